// libFuzzer target for one decoder (DCMFLOW_FUZZ_CODEC names it, e.g. "rle"). The first
// 6 bytes choose the frame the fragment is decoded into (small sizes, every depth and
// layout); the rest is the fragment. A decoder may refuse anything, but must never crash,
// hang or touch memory outside the fragment and the frame (AddressSanitizer watches).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <dcmflow/codecs/registry.hpp>
#include <dcmflow/codecs/untrusted.hpp>

#include "fuzz_input.hpp"

#ifndef DCMFLOW_FUZZ_CODEC
#error "DCMFLOW_FUZZ_CODEC must name the codec to fuzz"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<dcmflow::codecs::decoder> codec = [] {
    std::error_code error;
    const auto encoder = dcmflow::codecs::make_encoder(DCMFLOW_FUZZ_CODEC, error);
    return dcmflow::codecs::make_decoder(encoder->syntax().uid, error);
  }();
  if (size < dcmflow::fuzzing::header_size) return 0;
  const dcmflow::codecs::frame_info info = dcmflow::fuzzing::frame_from_header(data);
  // The fragment gets its own heap block so that reading past it is caught.
  const std::vector<std::byte> fragment(reinterpret_cast<const std::byte*>(data) + dcmflow::fuzzing::header_size,
                                        reinterpret_cast<const std::byte*>(data) + size);
  std::vector<std::byte> pixels(info.bytes());
  // As dcmflow decodes anything from outside: isolated where the library may abort.
  (void)dcmflow::codecs::decode_untrusted(*codec, fragment, info, pixels);
  return 0;
}
