#pragma once
// Private to dicom/: every value length a Part 10 file declares, checked against the bytes
// the file holds before GDCM reads it. GDCM allocates what a length field says (a UT of
// 1 GB in a file of 600 bytes allocates 1 GB, then asserts): here it is a failure first.

#include <filesystem>

#include "core/result.hpp"

namespace dcmflow::dicom {

// Walks the file meta and the dataset to its end (little or big endian, explicit or implicit
// VR; sequences of undefined length stepped into, Pixel Data's fragments and what follows
// them included), after the preamble or, without one, from the first byte. Nothing for
// deflated datasets: GDCM's own checks and the helper's limits remain.
[[nodiscard]] result<void> check_value_lengths(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
