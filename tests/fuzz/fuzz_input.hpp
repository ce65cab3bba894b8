#pragma once
// The fuzz inputs' layout, shared by the fuzzers, the seed maker and the unit test that
// replays a regression: 6 header bytes choose the frame, the rest is the fragment.

#include <cstdint>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::fuzzing {

inline constexpr std::size_t header_size = 6;

// Small frames (up to 64x64) of every depth, sign and layout.
inline codecs::frame_info frame_from_header(const std::uint8_t* header) {
  codecs::frame_info info;
  info.width = 1U + header[0] % 64U;
  info.height = 1U + header[1] % 64U;
  info.samples_per_pixel = (header[2] & 1U) != 0 ? 3 : 1;
  info.bits_allocated = (header[2] & 2U) != 0 ? 16 : 8;
  info.bits_stored = static_cast<std::uint16_t>(1U + header[3] % info.bits_allocated);
  info.is_signed = (header[2] & 4U) != 0;
  info.planar =
      (header[2] & 8U) != 0 ? codecs::planar_configuration::planar : codecs::planar_configuration::interleaved;
  info.photometric = info.samples_per_pixel == 3 ? codecs::photometric::rgb : codecs::photometric::monochrome2;
  return info;
}

}  // namespace dcmflow::fuzzing
