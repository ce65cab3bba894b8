#pragma once
// Character sets dcmflow writes (PS3.3 C.12.1.1.2, PS3.5 6.1): text arrives as UTF-8 and
// leaves in the set the receiving PACS expects. GB2312 through ISO 2022 is written with the
// code extension escapes of PS3.5 6.1.2.5 (ESC $ ) A before Chinese text, the state reset
// at every value, '^' and '=' delimiter and control character) -- what many older Chinese
// PACS expect and DCMTK cannot write.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/utf8.hpp"

namespace dcmflow::dicom {

enum class character_set {
  utf8,            // ISO_IR 192 (the default)
  gb18030,         // GB18030
  iso2022_gb2312,  // \ISO 2022 IR 58
  latin1,          // ISO_IR 100
};

// "utf8", "gb18030", "iso2022-gb2312", "latin1"; anything else fails naming the choices.
[[nodiscard]] result<character_set> parse_character_set(std::string_view name);

// The Specific Character Set (0008,0005) value.
[[nodiscard]] std::string_view specific_character_set(character_set set);

// Does this VR's text follow the Specific Character Set? (SH, LO, UC, ST, LT, UT, PN)
[[nodiscard]] bool is_character_set_vr(std::string_view vr);

// A UTF-8 value as bytes of the set, or which characters the set cannot hold.
[[nodiscard]] result<std::string> encode_text(std::string_view utf8, character_set set, std::string_view vr);

// Bytes from one iconv charset to another ("UTF-8", "GB18030", "EUC-JP"...); fails for a
// charset iconv lacks or bytes it cannot convert.
[[nodiscard]] result<std::string> convert_charset(std::string_view in, const char* to, const char* from);

// Bytes in GB18030 (a superset of GBK and GB2312, as legacy Chinese HIS exports are) to UTF-8.
[[nodiscard]] result<std::string> gb18030_to_utf8(std::string_view bytes);
[[nodiscard]] result<std::string> windows1252_to_utf8(std::string_view bytes);

// Code points in well-formed UTF-8, or nothing for malformed bytes.
using ::dcmflow::utf8_length;  // core/utf8.hpp

}  // namespace dcmflow::dicom
