#include "raster/raster.hpp"

#include <algorithm>
#include <utility>

namespace dcmflow::raster {

bool is_grey_rgb(std::span<const std::byte> rgb) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* pixels = reinterpret_cast<const std::uint8_t*>(rgb.data());
  const std::size_t count = rgb.size() / 3;
  for (std::size_t p = 0; p < count; ++p) {
    if (pixels[3 * p] != pixels[3 * p + 1] || pixels[3 * p] != pixels[3 * p + 2]) return false;
  }
  return true;
}

bool is_grey(const raster& image) {
  if (image.frame.samples_per_pixel == 1) return true;
  if (image.frame.bits_allocated != 8 || image.frame.planar != codecs::planar_configuration::interleaved) return false;
  return is_grey_rgb(image.pixels);
}

void grey_of(std::span<const std::byte> rgb, std::span<std::byte> grey) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* in = reinterpret_cast<const std::uint8_t*>(rgb.data());
  auto* out =
      reinterpret_cast<std::uint8_t*>(grey.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const std::size_t count = std::min(rgb.size() / 3, grey.size());
  for (std::size_t p = 0; p < count; ++p) {
    const unsigned luma = (299U * in[3 * p] + 587U * in[3 * p + 1] + 114U * in[3 * p + 2] + 500U) / 1000U;
    out[p] = static_cast<std::uint8_t>(luma);  // in place (out == in) too: p <= 3p, writes never overtake reads
  }
}

void rgb_of(std::span<const std::byte> grey, std::span<std::byte> rgb) {
  const std::size_t count = std::min(grey.size(), rgb.size() / 3);
  for (std::size_t p = 0; p < count; ++p) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = grey[p];
}

void to_grey(raster& image) {
  if (image.frame.samples_per_pixel == 1 || image.frame.bits_allocated != 8) return;
  const std::size_t count = image.pixels.size() / 3;
  grey_of(image.pixels, std::span(image.pixels).first(count));
  image.pixels.resize(count);
  image.pixels.shrink_to_fit();
  image.frame.samples_per_pixel = 1;
  image.frame.photometric = codecs::photometric::monochrome2;
}

std::vector<raster> split_pages(std::vector<raster> rasters) {
  std::vector<raster> pages;
  for (raster& whole : rasters) {
    if (whole.frame_count <= 1) {
      pages.push_back(std::move(whole));
      continue;
    }
    for (std::uint32_t index = 0; index < whole.frame_count; ++index) {
      const auto frame = whole.frame_pixels(index);
      raster page;
      page.frame = whole.frame;
      page.frame_count = 1;
      page.pixels.assign(frame.begin(), frame.end());
      page.lossy_source_method = whole.lossy_source_method;
      page.pixel_spacing_mm = whole.pixel_spacing_mm;
      if (index == 0) page.notes = whole.notes;
      pages.push_back(std::move(page));
    }
  }
  return pages;
}

}  // namespace dcmflow::raster
