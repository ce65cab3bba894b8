#pragma once
// UIDs under the 2.25 root: the decimal form of a random (version 4) UUID, PS3.5 B.2.

#include <string>

namespace dcmflow::dicom {

[[nodiscard]] std::string random_uid();

}  // namespace dcmflow::dicom
