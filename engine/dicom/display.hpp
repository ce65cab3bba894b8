#pragma once
// A DICOM file read for display: its frames decoded (every syntax GDCM decodes: JPEG
// baseline/extended/lossless, JPEG-LS, JPEG 2000, RLE, deflate, big endian, implicit VR),
// palettes applied, YBR turned into RGB, and what a viewer needs to map stored values to
// grey levels: the Modality LUT (rescale) and the VOI window of the file. An Encapsulated
// PDF is shown as its document's first page.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>

#include "core/result.hpp"

namespace dcmflow::dicom {

struct display_source {
  codecs::frame_info frame;  // photometric: MONOCHROME1, MONOCHROME2 or RGB
  std::uint32_t frame_count = 0;
  std::vector<std::byte> pixels;  // frame after frame, interleaved, little endian
  double rescale_slope = 1;
  double rescale_intercept = 0;
  std::optional<double> window_center;  // the file's first VOI window, if any
  std::optional<double> window_width;

  [[nodiscard]] std::span<const std::byte> frame_pixels(std::uint32_t index) const {
    const std::size_t size = frame.bytes();
    return std::span<const std::byte>(pixels).subspan(index * size, size);
  }
};

[[nodiscard]] result<display_source> read_for_display(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
