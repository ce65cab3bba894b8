#pragma once
// Pages decoded as the frames of one raster: each page's shape read from its header, one
// common model chosen for all of them (any colour page makes every page RGB; grey keeps 16
// bits when any page has them), and the pixels decoded straight into the raster's buffer.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "raster/image_loader.hpp"
#include "raster/raster.hpp"
#include "raster/vips_image.hpp"

namespace dcmflow::raster {

struct page_shape {
  int colour_bands = 1;
  bool sixteen_bit = false;
  bool colour = false;
  bool needs_colour_conversion = false;  // CMYK, Lab, 16-bit RGB...: not 8-bit RGB as it is
};

// A page's shape from its header; fails for samples other than 8- and 16-bit unsigned.
[[nodiscard]] result<page_shape> describe(VipsImage* image);

struct common_model {
  bool rgb = false;          // any colour page makes every page RGB
  bool sixteen_bit = false;  // grey pages keep 16 bits when any page has them
};

[[nodiscard]] common_model choose_model(std::span<const page_shape> shapes);
// What the common model changed, as notes for the item's record.
[[nodiscard]] std::vector<std::string> model_notes(std::span<const page_shape> shapes, common_model model);

// Decodes consecutive pages of one size as the frames of one raster. `first_page` numbers
// the pages in messages; 0 for an image that has no pages.
// `rendered`: pages poppler rendered onto its opaque white background, whose alpha band is
// 255 everywhere: dropped, not flattened, so the page decodes straight into the raster.
[[nodiscard]] result<raster> decode_frames(std::span<image_ref> pages, std::span<const page_shape> shapes,
                                           common_model model, const load_options& options, std::size_t first_page,
                                           bool rendered);

}  // namespace dcmflow::raster
