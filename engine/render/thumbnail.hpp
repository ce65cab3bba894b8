#pragma once
// Small previews of decoded pages, as PNG: the contact sheet of the job report.
// (The preview command of the query/fetch issue renders through here too.)

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.hpp"
#include "raster/raster.hpp"

namespace dcmflow::render {

// Frame `index` of `image`, fitted within `max_side` pixels. 16-bit grey is windowed to
// its own minimum and maximum (no VOI is known before the object is built).
[[nodiscard]] result<std::vector<std::byte>> thumbnail_png(const raster::raster& image, std::uint32_t index,
                                                           int max_side);

}  // namespace dcmflow::render
