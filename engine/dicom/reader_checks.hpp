#pragma once
// Private to dicom/: checks on a file GDCM parsed, shared by the readers.

#include <gdcmFile.h>

#include <filesystem>

#include "core/result.hpp"

namespace dcmflow::dicom {

// GDCM reads a file cut inside its Pixel Data without complaint (it keeps the declared
// length): a dataset longer than the file holding it is a damaged file.
[[nodiscard]] result<void> check_not_truncated(const gdcm::File& parsed, const std::filesystem::path& file);

}  // namespace dcmflow::dicom
