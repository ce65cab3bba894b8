#pragma once
// Decoding fragments that came from outside (files to transcode or preview, fetched
// instances). Most decoders return an error on corrupt data; the ones whose library
// aborts instead (transfer_syntax::aborts_on_corrupt_input) run in a child process, so
// a damaged file fails alone instead of ending the run.

#include <span>
#include <system_error>

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

[[nodiscard]] std::error_code decode_untrusted(const decoder& decoder, std::span<const std::byte> fragment,
                                               const frame_info& frame, std::span<std::byte> pixels);

}  // namespace dcmflow::codecs
