#include "job/automatic_codec.hpp"

#include <dcmflow/codecs/registry.hpp>

#include <algorithm>
#include <array>
#include <string_view>
#include <system_error>

#include "store/capabilities.hpp"

namespace dcmflow::job {
namespace {

constexpr std::array<std::string_view, 6> lossless_preference = {"jpegls", "j2k", "htj2k", "rle", "deflate", "none"};

constexpr std::string_view explicit_little_endian = "1.2.840.10008.1.2.1";

bool written_by_this_build(const codecs::transfer_syntax& syntax) {
  return syntax.make_encoder != nullptr && syntax.built();
}

}  // namespace

std::vector<store::codec_choice> lossless_codecs_by_preference() {
  std::vector<store::codec_choice> choices;
  for (const std::string_view name : lossless_preference) {
    for (const codecs::transfer_syntax& syntax : codecs::transfer_syntaxes()) {
      if (syntax.codec == name && !syntax.lossy && written_by_this_build(syntax)) {
        choices.push_back({std::string(name), std::string(syntax.uid)});
        break;
      }
    }
  }
  return choices;
}

std::vector<std::string> written_transfer_syntaxes() {
  std::vector<std::string> syntaxes{std::string(explicit_little_endian)};
  for (const codecs::transfer_syntax& syntax : codecs::transfer_syntaxes()) {
    if (!written_by_this_build(syntax)) continue;
    if (std::find(syntaxes.begin(), syntaxes.end(), syntax.uid) == syntaxes.end()) syntaxes.emplace_back(syntax.uid);
  }
  return syntaxes;
}

result<std::vector<std::string>> choose_automatic_codecs(graph::pipeline_options& options) {
  std::vector<std::string> told;
  options.destination_codecs.clear();
  const std::vector<store::codec_choice> by_preference = lossless_codecs_by_preference();
  for (const auto& destination : options.destinations) {
    auto chosen = destination->choose_automatic_codec(by_preference);
    if (!chosen) return chosen.error();
    std::error_code error;
    std::shared_ptr<const codecs::encoder> codec = codecs::make_encoder(chosen->codec, error);
    if (!codec) return failure{"codec: auto: " + chosen->codec + ": " + error.message()};
    options.destination_codecs.push_back(std::move(codec));
    told.push_back("codec: auto: " + destination->url() + " gets " + chosen->codec);
    for (const auto& sop_class : chosen->refused) {
      told.push_back("warning: " + destination->url() + " refuses " + store::uid_keyword(sop_class) + " (" + sop_class +
                     "): what dcmflow writes in it will fail there");
    }
  }
  if (!options.destination_codecs.empty()) options.codec = options.destination_codecs.front();
  options.codec_spec = std::string(automatic_codec_spec);
  return told;
}

}  // namespace dcmflow::job
