#include "raster/alpha.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace dcmflow::raster {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

TEST(alpha, opaque_pixels_keep_their_colour_and_transparent_ones_turn_white) {
  const auto rgba = bytes({10, 20, 30, 255, 10, 20, 30, 0});
  std::vector<std::byte> rgb(6);
  flatten_onto_white(rgba, rgb, 3, 1);
  EXPECT_EQ(rgb, bytes({10, 20, 30, 255, 255, 255}));
}

TEST(alpha, partly_transparent_grey_blends_rounding_to_nearest) {
  // 0 at alpha 128: 255 * 127 / 255 = 127.0 -> 127; 50 at alpha 3: 252.59 -> 253 (not 252)
  const auto grey_alpha = bytes({0, 128, 50, 3});
  std::vector<std::byte> grey(2);
  flatten_onto_white(grey_alpha, grey, 1, 1);
  EXPECT_EQ(grey, bytes({127, 253}));
}

TEST(alpha, sixteen_bit_samples_blend_onto_65535) {
  const std::uint16_t in[4] = {1000, 65535, 1000, 0};
  std::vector<std::byte> with_alpha(sizeof in);
  std::memcpy(with_alpha.data(), in, sizeof in);
  std::vector<std::byte> out(4);
  flatten_onto_white(with_alpha, out, 1, 2);
  std::uint16_t grey[2];
  std::memcpy(grey, out.data(), sizeof grey);
  EXPECT_EQ(grey[0], 1000);
  EXPECT_EQ(grey[1], 65535);
}

}  // namespace
}  // namespace dcmflow::raster
