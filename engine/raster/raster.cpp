#include "raster/raster.hpp"

#include <utility>

namespace dcmflow::raster {

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
      if (index == 0) page.notes = whole.notes;
      pages.push_back(std::move(page));
    }
  }
  return pages;
}

}  // namespace dcmflow::raster
