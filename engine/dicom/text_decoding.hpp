#pragma once
// Text of existing DICOM files to UTF-8, whatever Specific Character Set they declare:
// single-byte ISO 8859 sets, UTF-8, GB18030/GBK, and ISO 2022 with code extensions
// (Japanese JIS X 0201/0208/0212, Korean KS X 1001, Chinese GB2312, ISO 8859 in G1),
// the escape state reset at each value and, in PN, at each '^' and '=' (PS3.5 6.1.2.5).

#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dcmflow::dicom {

// `specific_character_set`: the values of (0008,0005), in order (empty list: the default
// repertoire). Fails for a set dcmflow does not know, or bytes the set cannot decode.
[[nodiscard]] result<std::string> decode_text(std::string_view bytes,
                                              std::span<const std::string> specific_character_set, std::string_view vr);

}  // namespace dcmflow::dicom
