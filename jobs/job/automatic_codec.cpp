#include "job/automatic_codec.hpp"

#include <dcmflow/codecs/registry.hpp>

#include <system_error>

#include "store/capabilities.hpp"

namespace dcmflow::job {

result<std::vector<std::string>> choose_automatic_codecs(graph::pipeline_options& options) {
  std::vector<std::string> told;
  options.destination_codecs.clear();
  for (const auto& destination : options.destinations) {
    auto chosen = destination->choose_automatic_codec();
    if (!chosen) return chosen.error();
    std::error_code error;
    std::shared_ptr<const codecs::encoder> codec = codecs::make_encoder(chosen->codec, error);
    if (!codec) return failure{"codec: auto: " + chosen->codec + ": " + error.message()};
    options.destination_codecs.push_back(std::move(codec));
    told.push_back("codec: auto: " + destination->url() + " gets " + chosen->codec);
    for (const auto& sop_class : chosen->refused) {
      told.push_back("warning: " + destination->url() + " refuses " + store::uid_keyword(sop_class) +
                     " (" + sop_class + "): what dcmflow writes in it will fail there");
    }
  }
  if (!options.destination_codecs.empty()) options.codec = options.destination_codecs.front();
  options.codec_spec = std::string(automatic_codec_spec);
  return told;
}

}  // namespace dcmflow::job
