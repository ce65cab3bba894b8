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

#ifndef DCMFLOW_FUZZ_CODEC
#error "DCMFLOW_FUZZ_CODEC must name the codec to fuzz"
#endif

namespace {

dcmflow::codecs::frame_info frame_from(const std::uint8_t* header) {
  dcmflow::codecs::frame_info info;
  info.width = 1U + header[0] % 64U;
  info.height = 1U + header[1] % 64U;
  info.samples_per_pixel = (header[2] & 1U) != 0 ? 3 : 1;
  info.bits_allocated = (header[2] & 2U) != 0 ? 16 : 8;
  info.bits_stored = static_cast<std::uint16_t>(1U + header[3] % info.bits_allocated);
  info.is_signed = (header[2] & 4U) != 0;
  info.planar = (header[2] & 8U) != 0 ? dcmflow::codecs::planar_configuration::planar
                                      : dcmflow::codecs::planar_configuration::interleaved;
  info.photometric = info.samples_per_pixel == 3 ? dcmflow::codecs::photometric::rgb
                                                 : dcmflow::codecs::photometric::monochrome2;
  return info;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<dcmflow::codecs::codec> codec = [] {
    std::error_code error;
    return dcmflow::codecs::make_codec(DCMFLOW_FUZZ_CODEC, error);
  }();
  if (size < 6) return 0;
  const dcmflow::codecs::frame_info info = frame_from(data);
  // The fragment gets its own heap block so that reading past it is caught.
  const std::vector<std::byte> fragment(reinterpret_cast<const std::byte*>(data) + 6,
                                        reinterpret_cast<const std::byte*>(data) + size);
  std::vector<std::byte> pixels(info.bytes());
  // As dcmflow decodes anything from outside: isolated where the library may abort.
  (void)dcmflow::codecs::decode_untrusted(*codec, fragment, info, pixels);
  return 0;
}
