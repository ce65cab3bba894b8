#pragma once
// Frames to measure codecs on: every frame of every image (through the raster loader)
// and DICOM file (decoded through the dicom reader), folders walked.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "measure/codec_benchmark.hpp"

namespace dcmflow::measure {

struct loaded_frames {
  std::vector<frame_sample> frames;
  std::vector<std::string> failures;  // "input: reason"
};

[[nodiscard]] loaded_frames load_frames(std::span<const std::filesystem::path> inputs);

}  // namespace dcmflow::measure
