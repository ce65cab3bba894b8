#pragma once
// Making encoders and decoders from the transfer syntax table (transfer_syntax.hpp).

#include <memory>
#include <string_view>
#include <system_error>

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

// "none", "deflate", "rle", "jpegls", "jpegls-near:N", "j2k", "j2k:RATIO", "htj2k",
// "htj2k:RATIO", "jpeg:Q". Null, with `error` set, for an unknown name, a bad option or a
// codec whose library this build left out (codec_errc::not_built).
[[nodiscard]] std::unique_ptr<encoder> make_encoder(std::string_view spec, std::error_code& error);

// Null, with `error` set, for a syntax dcmflow cannot decode (codec_errc::unknown_codec) or
// whose library this build left out (codec_errc::not_built).
[[nodiscard]] std::unique_ptr<decoder> make_decoder(std::string_view transfer_syntax_uid, std::error_code& error);
[[nodiscard]] std::unique_ptr<decoder> make_decoder(std::string_view transfer_syntax_uid);

}  // namespace dcmflow::codecs
