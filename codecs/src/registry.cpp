#include <dcmflow/codecs/registry.hpp>

#include <array>
#include <charconv>
#include <string>

#include <dcmflow/codecs/codec_error.hpp>

#include "adapters.hpp"


namespace dcmflow::codecs {
namespace {

template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::unique_ptr<codec> make_codec(std::string_view spec, std::error_code& error) {
  error.clear();
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool has_option = colon != std::string_view::npos;
  const std::string_view option = has_option ? spec.substr(colon + 1) : std::string_view();

  // Codecs without options.
  if (name == "none" || name == "deflate" || name == "rle" || name == "jpegls") {
    if (has_option) {
      error = codec_errc::invalid_parameter;
      return nullptr;
    }
    if (name == "none") return std::make_unique<native_codec>(false);
    if (name == "deflate") return std::make_unique<native_codec>(true);
    if (name == "rle") return std::make_unique<rle_codec>();
    return std::make_unique<jpegls_codec>(0);
  }
  // Codecs whose option is optional (lossless without it) or required.
  if ((name == "j2k" || name == "htj2k") && !has_option) {
    if (name == "j2k") return std::make_unique<j2k_codec>(0.0);
    return std::make_unique<htj2k_codec>(0.0);
  }
  if (name == "j2k" || name == "htj2k") {
    double ratio = 0;
    if (parse_number(option, ratio) && ratio > 1.0 && ratio <= 10000.0) {
      if (name == "j2k") return std::make_unique<j2k_codec>(ratio);
      return std::make_unique<htj2k_codec>(ratio);
    }
  } else if (name == "jpegls-near") {
    int near = 0;
    if (parse_number(option, near) && near >= 1 && near <= 255) return std::make_unique<jpegls_codec>(near);
  } else if (name == "jpeg") {
    int quality = 0;
    if (parse_number(option, quality) && quality >= 1 && quality <= 100) return std::make_unique<jpeg_codec>(quality);
  } else {
    error = codec_errc::unknown_codec;
    return nullptr;
  }
  error = codec_errc::invalid_parameter;
  return nullptr;
}

std::unique_ptr<codec> make_decoder(std::string_view uid) {
  if (uid == "1.2.840.10008.1.2.1") return std::make_unique<native_codec>(false);
  if (uid == "1.2.840.10008.1.2.1.99") return std::make_unique<native_codec>(true);
  if (uid == "1.2.840.10008.1.2.5") return std::make_unique<rle_codec>();
  if (uid == "1.2.840.10008.1.2.4.80") return std::make_unique<jpegls_codec>(0);
  if (uid == "1.2.840.10008.1.2.4.81") return std::make_unique<jpegls_codec>(1);
  if (uid == "1.2.840.10008.1.2.4.90") return std::make_unique<j2k_codec>(0.0);
  if (uid == "1.2.840.10008.1.2.4.91") return std::make_unique<j2k_codec>(10.0);
  if (uid == "1.2.840.10008.1.2.4.201" || uid == "1.2.840.10008.1.2.4.202") return std::make_unique<htj2k_codec>(0.0);
  if (uid == "1.2.840.10008.1.2.4.203") return std::make_unique<htj2k_codec>(10.0);
  if (uid == "1.2.840.10008.1.2.4.50") return std::make_unique<jpeg_codec>(90);
  return nullptr;
}

std::span<const codec_description> all_codecs() noexcept {
  static const std::array<codec_description, 10> list = {
      native_codec(false).description(), native_codec(true).description(), rle_codec().description(),
      jpegls_codec(0).description(),     jpegls_codec(1).description(),     j2k_codec(0.0).description(),
      j2k_codec(10.0).description(),     htj2k_codec(0.0).description(),    htj2k_codec(10.0).description(),
      jpeg_codec(90).description(),
  };
  return list;
}

std::string_view transfer_syntax_name(std::string_view transfer_syntax_uid) noexcept {
  for (const codec_description& codec : all_codecs()) {
    if (codec.transfer_syntax_uid == transfer_syntax_uid) return codec.transfer_syntax_name;
  }
  return {};
}

}  // namespace dcmflow::codecs
