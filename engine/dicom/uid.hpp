#pragma once
// UIDs. Random ones under 2.25 (a version 4 UUID in decimal, PS3.5 B.2), and derived
// ones: the same namespace and parts always give the same UID, so converting an input
// twice gives the same objects and re-sending them is idempotent at the PACS.

#include <initializer_list>
#include <string>
#include <string_view>

namespace dcmflow::dicom {

[[nodiscard]] std::string random_uid();

// SHA-256 of (namespace, parts...). Under "2.25" it is a version 8 UUID in decimal; under
// another root, the root, a dot, and as many decimal digits of the hash as fit 64 characters.
[[nodiscard]] std::string derived_uid(std::string_view root, std::string_view name_space,
                                      std::initializer_list<std::string_view> parts);

}  // namespace dcmflow::dicom
