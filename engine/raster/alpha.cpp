#include "raster/alpha.hpp"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>

namespace dcmflow::raster {
namespace {

template <class Sample>
void flatten(const std::byte* in, std::byte* out, std::size_t pixels, std::size_t colour) {
  constexpr std::uint64_t max = std::numeric_limits<Sample>::max();
  for (std::size_t p = 0; p < pixels; ++p) {
    Sample px[5];  // at most RGB + alpha, and a spare for grey-alpha alignment
    std::memcpy(px, in + p * (colour + 1) * sizeof(Sample), (colour + 1) * sizeof(Sample));
    const std::uint64_t alpha = px[colour];
    for (std::size_t c = 0; c < colour; ++c) {
      const std::uint64_t blended = px[c] * alpha + max * (max - alpha);
      const auto value = static_cast<Sample>((blended + max / 2) / max);
      std::memcpy(out + (p * colour + c) * sizeof(Sample), &value, sizeof(Sample));
    }
  }
}

}  // namespace

void flatten_onto_white(std::span<const std::byte> with_alpha, std::span<std::byte> out, std::size_t colour_samples,
                        std::size_t bytes_per_sample) {
  assert(colour_samples == 1 || colour_samples == 3);
  const std::size_t pixels = with_alpha.size() / ((colour_samples + 1) * bytes_per_sample);
  assert(out.size() >= pixels * colour_samples * bytes_per_sample);
  if (bytes_per_sample == 1) {
    flatten<std::uint8_t>(with_alpha.data(), out.data(), pixels, colour_samples);
  } else {
    flatten<std::uint16_t>(with_alpha.data(), out.data(), pixels, colour_samples);
  }
}

}  // namespace dcmflow::raster
