#pragma once
// What a viewer shows of a DICOM frame, as 8-bit pixels: the Modality LUT (rescale slope and
// intercept), then the VOI window (the one asked for, else the file's, else a default: 8-bit
// values as stored, wider ones from their 0.5th to 99.5th percentile, a uniform frame as the
// level it is), linear as PS3.3 C.11.2.1.2 defines it; MONOCHROME1 inverted; colour kept as
// RGB (16-bit colour scaled down). Then written as PNG or JPEG, alone or as a contact sheet.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dicom/display.hpp"
#include "raster/raster.hpp"

namespace dcmflow::render {

struct window {
  double center = 0;
  double width = 1;  // at least 1
};

// One frame (from 0) as an 8-bit grey or RGB raster.
[[nodiscard]] result<raster::raster> render_frame(const dicom::display_source& source, std::uint32_t index,
                                                  const std::optional<window>& chosen);

// Written as PNG or JPEG (by the extension), fitted within width x height when they are not 0.
[[nodiscard]] result<void> save_picture(const raster::raster& picture, const std::filesystem::path& file,
                                        std::uint32_t width, std::uint32_t height);

struct sheet_tile {
  raster::raster picture;
  std::string label;
};

// A contact sheet: every tile fitted within tile x tile pixels, its label beneath, in rows.
[[nodiscard]] result<void> save_sheet(const std::vector<sheet_tile>& tiles, const std::filesystem::path& file,
                                      std::uint32_t tile);

}  // namespace dcmflow::render
