#pragma once
// Existing DICOM files (anything GDCM decodes: JPEG baseline/extended/lossless, JPEG-LS,
// JPEG 2000, RLE, deflate, big endian, implicit VR) to an instance with native pixels,
// ready to be compressed again. Every other attribute is kept as it was.

#include <filesystem>

#include "core/result.hpp"
#include "dicom/instance.hpp"

namespace dcmflow::dicom {

[[nodiscard]] result<instance> read_decoded(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
