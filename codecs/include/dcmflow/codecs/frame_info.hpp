#pragma once
// What a codec needs to know about one frame of pixels. Mirrors the Image Pixel module
// attributes (PS3.3 C.7.6.3) without depending on any DICOM library.

#include <cstddef>
#include <cstdint>

namespace dcmflow::codecs {

enum class planar_configuration : std::uint8_t {
  interleaved = 0,  // R1G1B1 R2G2B2 ...
  planar = 1,       // R1R2... G1G2... B1B2...
};

// What the samples mean: codecs need it where a colour transform or lossy coding of
// palette indices would change their meaning.
enum class photometric : std::uint8_t { monochrome1, monochrome2, palette_color, rgb };

struct frame_info {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint16_t samples_per_pixel = 1;  // 1 grey, 3 colour
  std::uint16_t bits_allocated = 8;     // 8 or 16
  std::uint16_t bits_stored = 8;
  bool is_signed = false;
  planar_configuration planar = planar_configuration::interleaved;
  codecs::photometric photometric = codecs::photometric::monochrome2;

  [[nodiscard]] constexpr std::size_t bytes_per_sample() const noexcept { return bits_allocated / 8U; }
  [[nodiscard]] constexpr std::size_t pixel_count() const noexcept { return static_cast<std::size_t>(width) * height; }
  [[nodiscard]] constexpr std::size_t bytes() const noexcept {
    return pixel_count() * samples_per_pixel * bytes_per_sample();
  }
  friend constexpr bool operator==(const frame_info&, const frame_info&) = default;
};

}  // namespace dcmflow::codecs
