#pragma once
// Which Secondary Capture SOP class a raster becomes (PS3.3 A.8).

#include <cstdint>
#include <string_view>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::dicom {

enum class sop_class {
  secondary_capture,             // A.8.1: one 8-bit grey or RGB image
  multiframe_grayscale_byte_sc,  // A.8.3: 8-bit grey, several frames
  multiframe_grayscale_word_sc,  // A.8.4: 9 to 16-bit grey, one or more frames
  multiframe_true_color_sc,      // A.8.5: 8-bit RGB, several frames
};

[[nodiscard]] sop_class choose_secondary_capture_class(const codecs::frame_info& frame, std::uint32_t frame_count);
[[nodiscard]] std::string_view uid_of(sop_class cls);
[[nodiscard]] bool is_multiframe(sop_class cls);

}  // namespace dcmflow::dicom
