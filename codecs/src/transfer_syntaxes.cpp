#include <dcmflow/codecs/registry.hpp>
#include <dcmflow/codecs/transfer_syntax.hpp>

#include <array>
#include <charconv>

#include <dcmflow/codecs/codec_error.hpp>

#include "adapters.hpp"

namespace dcmflow::codecs {
namespace {

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

// The table. Adding a syntax: one entry here, its adapter in src/, its factories in
// adapters.hpp (and unbuilt_backends.cpp if its library is a build option).
constexpr std::array table{
    transfer_syntax{.uid = "1.2.840.10008.1.2.1",
                    .name = "Explicit VR Little Endian",
                    .codec = "none",
                    .encoding = pixel_encoding::native,
                    .bit_depths = "1-16",
                    .photometric = any_photometric,
                    .library = backend::dcmflow,
                    .make_encoder = adapters::native_encoder,
                    .make_decoder = adapters::native_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.1.99",
                    .name = "Deflated Explicit VR Little Endian",
                    .codec = "deflate",
                    .encoding = pixel_encoding::deflated,
                    .bit_depths = "1-16",
                    .photometric = any_photometric,
                    .library = backend::zlib,
                    .make_encoder = adapters::native_encoder,
                    .make_decoder = adapters::native_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.5",
                    .name = "RLE Lossless",
                    .codec = "rle",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "1-16 (8 or 16 allocated)",
                    .photometric = mono_or_rgb,
                    .library = backend::dcmflow,
                    .make_encoder = adapters::rle_encoder,
                    .make_decoder = adapters::rle_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.80",
                    .name = "JPEG-LS Lossless",
                    .codec = "jpegls",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "2-16",
                    .photometric = mono_or_rgb,
                    .library = backend::charls,
                    .make_encoder = adapters::jpegls_encoder,
                    .make_decoder = adapters::jpegls_decoder},
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
                    .make_encoder = adapters::jpegls_encoder,
                    .make_decoder = adapters::jpegls_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.90",
                    .name = "JPEG 2000 Image Compression (Lossless Only)",
                    .codec = "j2k",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_rct,
                    .library = backend::openjpeg,
                    .make_encoder = adapters::j2k_encoder,
                    .make_decoder = adapters::j2k_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.91",
                    .name = "JPEG 2000 Image Compression",
                    .codec = "j2k",
                    .option = target_ratio,
                    .encoding = pixel_encoding::encapsulated,
                    .lossy = true,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_ict,
                    .library = backend::openjpeg,
                    .make_encoder = adapters::j2k_encoder,
                    .make_decoder = adapters::j2k_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.201",
                    .name = "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
                    .codec = "htj2k",
                    .encoding = pixel_encoding::encapsulated,
                    .bit_depths = "1-16",
                    .photometric = mono_or_rgb_as_rct,
                    .library = backend::openjph,
                    .aborts_on_corrupt_input = true,
                    .older_twin = "1.2.840.10008.1.2.4.90",
                    .make_encoder = adapters::htj2k_encoder,
                    .make_decoder = adapters::htj2k_decoder},
    // RPCL progression with TLM markers: dcmflow reads it; its lossless writer is .201.
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.202",
                    .name = "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
                    .encoding = pixel_encoding::encapsulated,
                    .library = backend::openjph,
                    .aborts_on_corrupt_input = true,
                    .older_twin = "1.2.840.10008.1.2.4.90",
                    .make_decoder = adapters::htj2k_decoder},
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
                    .make_encoder = adapters::htj2k_encoder,
                    .make_decoder = adapters::htj2k_decoder},
    transfer_syntax{.uid = "1.2.840.10008.1.2.4.50",
                    .name = "JPEG Baseline (Process 1)",
                    .codec = "jpeg",
                    .option = {.help = ":Q  quality (1-100)", .lowest = 1, .highest = 100, .whole_number = true},
                    .encoding = pixel_encoding::encapsulated,
                    .lossy = true,
                    .bit_depths = "8",
                    .photometric = "MONOCHROME2, RGB (stored as YBR_FULL_422)",
                    .library = backend::libjpeg_turbo,
                    .make_encoder = adapters::jpeg_encoder,
                    .make_decoder = adapters::jpeg_decoder},
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
