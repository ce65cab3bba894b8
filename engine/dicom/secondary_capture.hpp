#pragma once
// Builds a Secondary Capture object (PS3.3 A.8) around a raster: every mandatory module,
// with the SOP class the raster's shape calls for.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.hpp"
#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"
#include "dicom/instance.hpp"
#include "raster/raster.hpp"

namespace dcmflow::dicom {

struct secondary_capture_request {
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string sop_instance_uid;
  std::uint32_t instance_number = 1;
  std::chrono::system_clock::time_point created;                    // content and capture date/time
  std::span<const attribute_assignment> attributes;                 // applied last: the user has the final word
  dicom::character_set character_set = dicom::character_set::utf8;  // of the text written
};

// Takes the raster's pixels over (no copy): pass it with std::move.
[[nodiscard]] result<instance> build_secondary_capture(raster::raster image, const secondary_capture_request& request);

}  // namespace dcmflow::dicom
