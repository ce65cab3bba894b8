#pragma once
// Private to dicom/: every value length a Part 10 file declares, checked against the bytes
// the file holds before GDCM reads it. GDCM allocates what a length field says (a UT of
// 1 GB in a file of 600 bytes allocates 1 GB, then asserts): here it is a failure first.

#include <filesystem>

#include "core/result.hpp"

namespace dcmflow::dicom {

// Walks the file meta and the dataset (little endian, explicit or implicit VR; sequences of
// undefined length stepped into) up to Pixel Data. Nothing for files it does not walk
// (deflated, big endian, without a preamble): GDCM's own checks and the helper's limits remain.
[[nodiscard]] result<void> check_value_lengths(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
