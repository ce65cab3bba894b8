#pragma once
// Small previews of decoded pages, as PNG: the contact sheet of the job report.
// Implemented in preview.cpp: the same renderer as `dcmflow preview`.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.hpp"
#include "raster/raster.hpp"

namespace dcmflow::render {

// Frame `index` of `image`, fitted within `max_side` pixels, rendered as `dcmflow preview`
// renders (preview.hpp): no VOI being known yet, with its default window.
[[nodiscard]] result<std::vector<std::byte>> thumbnail_png(const raster::raster& image, std::uint32_t index,
                                                           int max_side);

}  // namespace dcmflow::render
