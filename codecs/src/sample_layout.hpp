#pragma once
// Sample-level helpers shared by the codec adapters: reading and writing samples of any
// depth, planar <-> interleaved, and the bits-stored rules of PS3.5 8 for encoders that
// see only `bits_stored` bits (JPEG-LS, JPEG 2000).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::codecs::detail {

static_assert(std::endian::native == std::endian::little,
              "dcmflow keeps samples in host order, which must be DICOM's little endian");

// Index of sample (component, pixel) in a frame laid out as `frame` says.
[[nodiscard]] inline std::size_t sample_index(const frame_info& frame, std::size_t component,
                                              std::size_t pixel) noexcept {
  return frame.planar == planar_configuration::planar ? component * frame.pixel_count() + pixel
                                                      : pixel * frame.samples_per_pixel + component;
}

// The sample's value as the bits_stored-bit number it is (sign-extended when signed);
// bits above bits_stored are ignored, as PS3.5 8.1.1 allows them to hold anything.
[[nodiscard]] inline std::int32_t read_sample(const frame_info& frame, const std::byte* pixels,
                                              std::size_t index) noexcept {
  std::uint32_t raw = 0;
  if (frame.bits_allocated == 8) {
    raw = static_cast<std::uint8_t>(pixels[index]);
  } else {
    std::uint16_t word = 0;
    std::memcpy(&word, pixels + index * 2, 2);
    raw = word;
  }
  const unsigned bits = frame.bits_stored;
  raw &= bits >= 32 ? 0xFFFFFFFFU : ((1U << bits) - 1U);
  if (frame.is_signed && (raw & (1U << (bits - 1))) != 0) {
    return static_cast<std::int32_t>(raw) - static_cast<std::int32_t>(1U << bits);
  }
  return static_cast<std::int32_t>(raw);
}

// Writes a decoded value back, clamped to the bits_stored range; a signed value is
// sign-extended into the unused high bits.
inline void write_sample(const frame_info& frame, std::byte* pixels, std::size_t index, std::int32_t value) noexcept {
  const unsigned bits = frame.bits_stored;
  const std::int32_t low = frame.is_signed ? -(1 << (bits - 1)) : 0;
  const std::int32_t high = frame.is_signed ? (1 << (bits - 1)) - 1 : static_cast<std::int32_t>((1U << bits) - 1U);
  value = value < low ? low : (value > high ? high : value);
  if (frame.bits_allocated == 8) {
    pixels[index] = static_cast<std::byte>(static_cast<std::uint8_t>(value));
  } else {
    const auto word = static_cast<std::uint16_t>(value);
    std::memcpy(pixels + index * 2, &word, 2);
  }
}

// True when samples must be rewritten before an encoder that sees only bits_stored bits:
// signed samples (two's complement fills the high bits) or anything above bits_stored.
[[nodiscard]] bool needs_bits_stored_copy(const frame_info& frame, std::span<const std::byte> pixels) noexcept;

// Copies samples keeping only their low bits_stored bits (two's complement for signed).
void mask_to_bits_stored(const frame_info& frame, std::span<const std::byte> in, std::span<std::byte> out) noexcept;

// Sign-extends bits_stored-bit samples in place (after a decoder that returns masked bits).
void sign_extend(const frame_info& frame, std::span<std::byte> pixels) noexcept;

// Reorders samples between planar and interleaved layouts (`from` describes the input).
void change_planar_configuration(const frame_info& from, std::span<const std::byte> in,
                                 std::span<std::byte> out) noexcept;

[[nodiscard]] inline bool valid_frame(const frame_info& frame) noexcept {
  return frame.width > 0 && frame.height > 0 && (frame.samples_per_pixel == 1 || frame.samples_per_pixel == 3) &&
         (frame.bits_allocated == 8 || frame.bits_allocated == 16) && frame.bits_stored >= 1 &&
         frame.bits_stored <= frame.bits_allocated;
}

// Resolution levels a frame can have: each level halves the smaller side (JPEG 2000, HTJ2K).
[[nodiscard]] unsigned fitting_decompositions(const frame_info& frame, unsigned wanted) noexcept;

}  // namespace dcmflow::codecs::detail
