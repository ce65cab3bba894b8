#pragma once
// The one list of codecs: by --codec spec for encoding, by transfer syntax for decoding.

#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

// "none", "deflate", "rle", "jpegls", "jpegls-near:N", "j2k", "j2k:RATIO", "htj2k",
// "htj2k:RATIO", "jpeg:Q". Null, with `error` set, for an unknown name or a bad option.
[[nodiscard]] std::unique_ptr<codec> make_codec(std::string_view spec, std::error_code& error);

// A decoder for a transfer syntax dcmflow writes; null when it has none.
[[nodiscard]] std::unique_ptr<codec> make_decoder(std::string_view transfer_syntax_uid);

// Every codec, in the order `dcmflow codecs` lists them.
[[nodiscard]] std::span<const codec_description> all_codecs() noexcept;

// The standard's name of a transfer syntax dcmflow writes ("JPEG-LS Lossless"); empty for others.
[[nodiscard]] std::string_view transfer_syntax_name(std::string_view transfer_syntax_uid) noexcept;

}  // namespace dcmflow::codecs
