#pragma once
// Test frames for the codec tests: every depth, sign and layout the codecs must carry.

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::codecs::testing {

struct test_frame {
  std::string name;
  frame_info info;
  std::vector<std::byte> pixels;
};

// Smooth gradients, flat areas and noise: the mix real images have, so every coding path
// (runs, literals, prediction) is exercised.
inline test_frame make_frame(std::string name, std::uint32_t width, std::uint32_t height, std::uint16_t samples,
                             std::uint16_t bits_allocated, std::uint16_t bits_stored, bool is_signed,
                             planar_configuration planar = planar_configuration::interleaved) {
  test_frame frame{std::move(name),
                   {width, height, samples, bits_allocated, bits_stored, is_signed, planar,
                    samples == 3 ? photometric::rgb : photometric::monochrome2},
                   {}};
  frame.pixels.resize(frame.info.bytes());
  std::mt19937 random(width * 7919U + height * 104729U + samples + bits_stored);
  const std::int64_t low = is_signed ? -(std::int64_t{1} << (bits_stored - 1)) : 0;
  const std::int64_t high =
      is_signed ? (std::int64_t{1} << (bits_stored - 1)) - 1 : (std::int64_t{1} << bits_stored) - 1;
  const std::size_t count = frame.info.pixel_count() * samples;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t pixel = i / samples;
    const std::size_t x = pixel % width;
    const std::size_t y = pixel / width;
    std::int64_t value;
    if (y < height / 4) {
      value = low;  // a flat band
    } else if (x % 17 < 8) {
      value = low + static_cast<std::int64_t>((x * 31 + y * 17 + i % samples * 1000) %
                                              static_cast<std::size_t>(high - low + 1));
    } else {
      value = low + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(high - low + 1));
    }
    if (i == 0) value = high;  // the extremes must survive
    if (i == 1 % count) value = low;
    if (bits_allocated == 8) {
      frame.pixels[i] = static_cast<std::byte>(static_cast<std::uint8_t>(value));
    } else {
      // Two's complement in 16 bits: signed samples are sign-extended, as DICOM writers do.
      const auto word = static_cast<std::uint16_t>(static_cast<std::int16_t>(value));
      std::memcpy(frame.pixels.data() + i * 2, &word, 2);
    }
  }
  return frame;
}

// Pure noise: nothing to predict, so a codec's output is larger than its input (JPEG-LS
// grows it by up to a few percent) -- buffers sized from estimates must still hold it.
inline test_frame make_noise_frame(std::string name, std::uint32_t width, std::uint32_t height, std::uint16_t samples,
                                   std::uint16_t bits) {
  test_frame frame{std::move(name),
                   {width, height, samples, bits, bits, false, planar_configuration::interleaved,
                    samples == 3 ? photometric::rgb : photometric::monochrome2},
                   {}};
  frame.pixels.resize(frame.info.bytes());
  std::mt19937 random(width + height + samples + bits);
  for (auto& byte : frame.pixels) byte = static_cast<std::byte>(random());
  return frame;
}

inline std::vector<test_frame> lossless_frames() {
  return {
      make_frame("grey8_odd", 17, 13, 1, 8, 8, false),
      make_frame("grey12_in_16", 31, 7, 1, 16, 12, false),
      make_frame("grey16", 64, 48, 1, 16, 16, false),
      make_frame("signed12_in_16", 33, 9, 1, 16, 12, true),
      make_frame("signed16", 20, 20, 1, 16, 16, true),
      make_frame("rgb8_interleaved", 15, 11, 3, 8, 8, false),
      make_frame("rgb8_planar", 15, 11, 3, 8, 8, false, planar_configuration::planar),
      make_frame("one_pixel_grey", 1, 1, 1, 8, 8, false),
      make_frame("one_pixel_rgb", 1, 1, 3, 8, 8, false),
      make_frame("wide_grey16", 3001, 1, 1, 16, 16, false),
      make_frame("tall_grey8", 1, 2001, 1, 8, 8, false),
      make_frame("ct_like_512", 512, 512, 1, 16, 12, false),
      make_noise_frame("noise_grey8", 256, 256, 1, 8),
      make_noise_frame("noise_rgb8", 128, 96, 3, 8),
      make_noise_frame("noise_grey16", 128, 128, 1, 16),
  };
}

}  // namespace dcmflow::codecs::testing
