#include "dicom/sop_class.hpp"

namespace dcmflow::dicom {

sop_class choose_secondary_capture_class(const codecs::frame_info& frame, std::uint32_t frame_count) {
  if (frame.samples_per_pixel == 3) {
    return frame_count > 1 ? sop_class::multiframe_true_color_sc : sop_class::secondary_capture;
  }
  // The SC Image IOD leaves more than 8 bits to the Grayscale Word class (PS3.3 A.8.4),
  // which every viewer reads as 16-bit grey; it is used even for a single frame.
  if (frame.bits_allocated > 8) return sop_class::multiframe_grayscale_word_sc;
  return frame_count > 1 ? sop_class::multiframe_grayscale_byte_sc : sop_class::secondary_capture;
}

std::string_view uid_of(sop_class cls) {
  switch (cls) {
    case sop_class::secondary_capture: return "1.2.840.10008.5.1.4.1.1.7";
    case sop_class::multiframe_grayscale_byte_sc: return "1.2.840.10008.5.1.4.1.1.7.2";
    case sop_class::multiframe_grayscale_word_sc: return "1.2.840.10008.5.1.4.1.1.7.3";
    case sop_class::multiframe_true_color_sc: return "1.2.840.10008.5.1.4.1.1.7.4";
  }
  return {};
}

bool is_multiframe(sop_class cls) { return cls != sop_class::secondary_capture; }

}  // namespace dcmflow::dicom
