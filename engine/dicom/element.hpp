#pragma once
// Private to dicom/: writing single data elements into a GDCM dataset with the padding
// and byte order PS3.5 asks for (text padded with a space, UIs with NUL, even lengths).

#include <gdcmDataSet.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "dicom/attribute.hpp"

namespace dcmflow::dicom {

void set_text(gdcm::DataSet& dataset, tag at, std::string_view vr, std::string_view value);
// A text value without its padding; empty when absent.
[[nodiscard]] std::string get_text(const gdcm::DataSet& dataset, tag at);
void set_us(gdcm::DataSet& dataset, tag at, std::uint16_t value);
void set_at(gdcm::DataSet& dataset, tag at, tag value);

// Encodes a keyword assignment for its VR: text as is, US/SS/UL/SL/FL/FD parsed from
// decimal text (several values separated by '\').
[[nodiscard]] result<void> apply_assignment(gdcm::DataSet& dataset, const attribute_assignment& assignment);

}  // namespace dcmflow::dicom
