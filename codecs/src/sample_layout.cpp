#include "sample_layout.hpp"

namespace dcmflow::codecs::detail {

bool needs_bits_stored_copy(const frame_info& frame, std::span<const std::byte> pixels) noexcept {
  if (frame.bits_stored == frame.bits_allocated) return false;  // every bit is a pixel bit
  if (frame.is_signed) return true;
  const std::size_t samples = frame.pixel_count() * frame.samples_per_pixel;
  if (frame.bits_allocated == 8) {
    const auto high = static_cast<std::uint8_t>(~((1U << frame.bits_stored) - 1U));
    for (std::size_t i = 0; i < samples; ++i) {
      if ((static_cast<std::uint8_t>(pixels[i]) & high) != 0) return true;
    }
    return false;
  }
  const auto high = static_cast<std::uint16_t>(~((1U << frame.bits_stored) - 1U));
  for (std::size_t i = 0; i < samples; ++i) {
    std::uint16_t word = 0;
    std::memcpy(&word, pixels.data() + i * 2, 2);
    if ((word & high) != 0) return true;
  }
  return false;
}

void mask_to_bits_stored(const frame_info& frame, std::span<const std::byte> in, std::span<std::byte> out) noexcept {
  const std::size_t samples = frame.pixel_count() * frame.samples_per_pixel;
  const std::uint32_t mask = (1U << frame.bits_stored) - 1U;
  if (frame.bits_allocated == 8) {
    for (std::size_t i = 0; i < samples; ++i) {
      out[i] = static_cast<std::byte>(static_cast<std::uint8_t>(in[i]) & mask);
    }
    return;
  }
  for (std::size_t i = 0; i < samples; ++i) {
    std::uint16_t word = 0;
    std::memcpy(&word, in.data() + i * 2, 2);
    word = static_cast<std::uint16_t>(word & mask);
    std::memcpy(out.data() + i * 2, &word, 2);
  }
}

void sign_extend(const frame_info& frame, std::span<std::byte> pixels) noexcept {
  if (!frame.is_signed || frame.bits_stored == frame.bits_allocated) return;
  const std::size_t samples = frame.pixel_count() * frame.samples_per_pixel;
  for (std::size_t i = 0; i < samples; ++i) write_sample(frame, pixels.data(), i, read_sample(frame, pixels.data(), i));
}

void change_planar_configuration(const frame_info& from, std::span<const std::byte> in,
                                 std::span<std::byte> out) noexcept {
  const std::size_t pixels = from.pixel_count();
  const std::size_t components = from.samples_per_pixel;
  const std::size_t size = from.bytes_per_sample();
  const bool to_planar = from.planar == planar_configuration::interleaved;
  for (std::size_t c = 0; c < components; ++c) {
    for (std::size_t p = 0; p < pixels; ++p) {
      const std::size_t interleaved = (p * components + c) * size;
      const std::size_t planar = (c * pixels + p) * size;
      std::memcpy(out.data() + (to_planar ? planar : interleaved), in.data() + (to_planar ? interleaved : planar),
                  size);
    }
  }
}

unsigned fitting_decompositions(const frame_info& frame, unsigned wanted) noexcept {
  // OpenJPEG refuses 2^levels above the smaller side.
  const std::uint32_t side = std::min(frame.width, frame.height);
  unsigned levels = 0;
  while (levels < wanted && (side >> (levels + 1)) >= 1) ++levels;
  return levels;
}

}  // namespace dcmflow::codecs::detail
