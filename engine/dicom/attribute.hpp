#pragma once
// Attributes named by their DICOM keyword (`PatientName=Doe^John`), resolved against the
// data dictionary. The header stays free of GDCM types: only dicom/*.cpp sees GDCM.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dcmflow::dicom {

struct tag {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  friend constexpr bool operator==(tag, tag) = default;
};

struct attribute_assignment {
  dicom::tag tag;
  std::string keyword;
  std::string vr;     // two letters, e.g. "PN"
  std::string value;  // as given; multiple values separated by '\'
};

// The dictionary entry for a keyword, or a failure naming it.
struct dictionary_entry {
  dicom::tag tag;
  std::string vr;
  std::string vm;  // value multiplicity: "1", "1-n", "2-2n"...
};
[[nodiscard]] result<dictionary_entry> look_up_keyword(std::string_view keyword);

// Parses `Keyword=Value`, the value checked and normalised for its VR (value_rules.hpp).
// Fails for unknown keywords, for attributes dcmflow derives from the pixels or the IOD
// (Rows, PixelData, SOPClassUID...), for VRs that cannot be given as text (SQ, OB...), and
// for values their VR does not allow.
[[nodiscard]] result<attribute_assignment> parse_assignment(std::string_view text);

// US, SS, UL, SL, FL and FD are stored as binary numbers rather than text.
[[nodiscard]] bool is_binary_vr(std::string_view vr);
// Little-endian bytes of decimal values separated by '', or why they do not fit the VR.
[[nodiscard]] result<std::string> encode_binary_value(std::string_view vr, std::string_view value);

}  // namespace dcmflow::dicom
