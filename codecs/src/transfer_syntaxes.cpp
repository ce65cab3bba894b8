#include <dcmflow/codecs/registry.hpp>
#include <dcmflow/codecs/transfer_syntax.hpp>

#include <array>
#include <charconv>

#include <dcmflow/codecs/codec_error.hpp>

#include "adapters.hpp"

namespace dcmflow::codecs {
namespace {

// Each adapter as the encoder and decoder interfaces (codec.hpp) present it.
class adapted_encoder final : public encoder {
 public:
  adapted_encoder(const transfer_syntax& syntax, double option, const adapters::adapter& library)
      : encoder(syntax), option_(option), library_(&library) {}

 private:
  std::error_code encode_frame(const frame_info& frame, std::span<const std::byte> pixels,
                               std::vector<std::byte>& fragment, encoding_effect& effect) const override {
    return library_->encode(syntax(), option_, frame, pixels, fragment, effect);
  }
  double option_;
  const adapters::adapter* library_;
};

class adapted_decoder final : public decoder {
 public:
  adapted_decoder(const transfer_syntax& syntax, const adapters::adapter& library)
      : decoder(syntax), library_(&library) {}

 private:
  std::error_code decode_frame(std::span<const std::byte> fragment, const frame_info& frame,
                               std::span<std::byte> pixels) const override {
    return library_->decode(syntax(), fragment, frame, pixels);
  }
  const adapters::adapter* library_;
};

template <const adapters::adapter& library>
std::unique_ptr<encoder> encoder_of(const transfer_syntax& syntax, double option) {
  if (library.encode == nullptr) return nullptr;
  return std::make_unique<adapted_encoder>(syntax, option, library);
}

template <const adapters::adapter& library>
std::unique_ptr<decoder> decoder_of(const transfer_syntax& syntax) {
  if (library.decode == nullptr) return nullptr;
  return std::make_unique<adapted_decoder>(syntax, library);
}

constexpr std::string_view any_photometric = "any";
constexpr std::string_view mono_or_rgb = "MONOCHROME1, MONOCHROME2, RGB";
constexpr std::string_view mono_or_rgb_as_rct = "MONOCHROME1, MONOCHROME2, RGB (stored as YBR_RCT)";
constexpr std::string_view mono_or_rgb_as_ict = "MONOCHROME1, MONOCHROME2, RGB (stored as YBR_ICT)";
constexpr codec_option target_ratio{.help = ":RATIO  target compression ratio (above 1, at most 10000)",
                                    .lowest = 1,
                                    .highest = 10000,
                                    .lowest_excluded = true};
constexpr codec_option approximate_ratio{.help = ":RATIO  approximate compression ratio (above 1, at most 10000)",
                                         .lowest = 1,
                                         .highest = 10000,
                                         .lowest_excluded = true};

// The table. Adding a syntax: one entry here, and its adapter in src/ (declared in
// adapters.hpp; an empty one in unbuilt_backends.cpp if its library is a build option).
constexpr std::array table{
    transfer_syntax{.uid = "1.2.840.10008.1.2.1",
                    .name = "Explicit VR Little Endian",
                    .codec = "none",
                    .encoding = pixel_encoding::native,
                    .bit_depths = "1-16",
                    .photometric = any_photometric,
                    .library = backend::dcmflow,
                    .make_encoder = encoder_of<adapters::native>,
                    .make_decoder = decoder_of<adapters::native>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.1.99",
                    .name = "Deflated Explicit VR Little Endian",
                    .codec = "deflate",
                    .encoding = pixel_encoding::deflated,
                    .bit_depths = "1-16",
                    .photometric = any_photometric,
                    .library = backend::zlib,
                    .make_encoder = encoder_of<adapters::native>,
                    .make_decoder = decoder_of<adapters::native>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.5",
                    .name = "RLE Lossless",
                    .codec = "rle",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "1-16 (8 or 16 allocated)",
                    .photometric = mono_or_rgb,
                    .library = backend::dcmflow,
                    .make_encoder = encoder_of<adapters::rle>,
                    .make_decoder = decoder_of<adapters::rle>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.80",
                    .name = "JPEG-LS Lossless",
                    .codec = "jpegls",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "2-16",
                    .photometric = mono_or_rgb,
                    .library = backend::charls,
                    .make_encoder = encoder_of<adapters::jpegls>,
                    .make_decoder = decoder_of<adapters::jpegls>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.81",
                    .name = "JPEG-LS Near-Lossless",
                    .codec = "jpegls-near",
                    .option = {.help = ":N  NEAR, the largest error allowed per sample (1-255)",
                               .lowest = 1,
                               .highest = 255,
                               .whole_number = true},
                    .encoding = pixel_encoding::encapsulated,
                    .lossy = true,
                    .bit_depths = "2-16",
                    .photometric = mono_or_rgb,
                    .library = backend::charls,
                    .make_encoder = encoder_of<adapters::jpegls>,
                    .make_decoder = decoder_of<adapters::jpegls>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.90",
                    .name = "JPEG 2000 Image Compression (Lossless Only)",
                    .codec = "j2k",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_rct,
                    .library = backend::openjpeg,
                    .make_encoder = encoder_of<adapters::j2k>,
                    .make_decoder = decoder_of<adapters::j2k>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.91",
                    .name = "JPEG 2000 Image Compression",
                    .codec = "j2k",
                    .option = target_ratio,
                    .encoding = pixel_encoding::encapsulated,
                    .lossy = true,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_ict,
                    .library = backend::openjpeg,
                    .make_encoder = encoder_of<adapters::j2k>,
                    .make_decoder = decoder_of<adapters::j2k>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.201",
                    .name = "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
                    .codec = "htj2k",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_rct,
                    .library = backend::openjph,
                    .aborts_on_corrupt_input = true,
                    .older_twin = "1.2.840.10008.1.2.4.90",
                    .make_encoder = encoder_of<adapters::htj2k>,
                    .make_decoder = decoder_of<adapters::htj2k>},
    // RPCL progression with TLM markers: dcmflow reads it; its lossless writer is .201.
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.202",
                    .name = "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
                    .encoding = pixel_encoding::encapsulated,
                    .library = backend::openjph,
                    .aborts_on_corrupt_input = true,
                    .older_twin = "1.2.840.10008.1.2.4.90",
                    .make_decoder = decoder_of<adapters::htj2k>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.203",
                    .name = "High-Throughput JPEG 2000 Image Compression",
                    .codec = "htj2k",
                    .option = approximate_ratio,
                    .encoding = pixel_encoding::encapsulated,
                    .lossy = true,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_ict,
                    .library = backend::openjph,
                    .aborts_on_corrupt_input = true,
                    .older_twin = "1.2.840.10008.1.2.4.91",
                    .make_encoder = encoder_of<adapters::htj2k>,
                    .make_decoder = decoder_of<adapters::htj2k>},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.50",
                    .name = "JPEG Baseline (Process 1)",
                    .codec = "jpeg",
                    .option = {.help = ":Q  quality (1-100)", .lowest = 1, .highest = 100, .whole_number = true},
                    .encoding = pixel_encoding::encapsulated,
                    .lossy = true,
                    .bit_depths = "8",
                    .photometric = "MONOCHROME2, RGB (stored as YBR_FULL_422)",
                    .library = backend::libjpeg_turbo,
                    .make_encoder = encoder_of<adapters::jpeg>,
                    .make_decoder = decoder_of<adapters::jpeg>},
};

template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// A whole-number option is written as one ("jpeg:90", not "jpeg:9e1").
bool parse_option(std::string_view text, const codec_option& option, double& value) {
  if (option.whole_number) {
    long long whole = 0;
    if (!parse_number(text, whole)) return false;
    value = static_cast<double>(whole);
  } else if (!parse_number(text, value)) {
    return false;
  }
  return option.accepts(value);
}

}  // namespace

std::string_view backend_name(backend library) noexcept {
  switch (library) {
    case backend::dcmflow: return "dcmflow";
    case backend::zlib: return "zlib";
    case backend::charls: return "CharLS";
    case backend::openjpeg: return "OpenJPEG";
    case backend::openjph: return "OpenJPH";
    case backend::libjpeg_turbo: return "libjpeg-turbo";
  }
  return "?";
}

std::span<const transfer_syntax> transfer_syntaxes() noexcept { return table; }

const transfer_syntax* find_transfer_syntax(std::string_view uid) noexcept {
  for (const transfer_syntax& syntax : table) {
    if (syntax.uid == uid) return &syntax;
  }
  return nullptr;
}

std::string_view transfer_syntax_name(std::string_view uid) noexcept {
  const transfer_syntax* syntax = find_transfer_syntax(uid);
  return syntax != nullptr ? syntax->name : std::string_view();
}

std::unique_ptr<encoder> make_encoder(std::string_view spec, std::error_code& error) {
  error = codec_errc::unknown_codec;
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool has_option = colon != std::string_view::npos;
  // A name may stand for two syntaxes, one with an option and one without ("j2k", "j2k:10").
  for (const transfer_syntax& syntax : table) {
    if (syntax.codec != name || syntax.make_encoder == nullptr) continue;
    error = codec_errc::invalid_parameter;
    if (syntax.option.takes_value() != has_option) continue;
    double option = 0;
    if (has_option && !parse_option(spec.substr(colon + 1), syntax.option, option)) continue;
    if (!syntax.built()) {
      error = codec_errc::not_built;
      return nullptr;
    }
    auto made = syntax.make_encoder(syntax, option);
    error = made ? std::error_code() : make_error_code(codec_errc::library_failure);
    return made;
  }
  return nullptr;
}

std::unique_ptr<decoder> make_decoder(std::string_view transfer_syntax_uid, std::error_code& error) {
  const transfer_syntax* syntax = find_transfer_syntax(transfer_syntax_uid);
  if (syntax == nullptr || syntax->make_decoder == nullptr) {
    error = codec_errc::unknown_codec;
    return nullptr;
  }
  if (!syntax->built()) {
    error = codec_errc::not_built;
    return nullptr;
  }
  auto made = syntax->make_decoder(*syntax);
  error = made ? std::error_code() : make_error_code(codec_errc::library_failure);
  return made;
}

std::unique_ptr<decoder> make_decoder(std::string_view transfer_syntax_uid) {
  std::error_code ignored;
  return make_decoder(transfer_syntax_uid, ignored);
}

}  // namespace dcmflow::codecs
