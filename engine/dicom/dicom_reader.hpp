#pragma once
// Existing DICOM files (anything GDCM decodes: JPEG baseline/extended/lossless, JPEG-LS,
// JPEG 2000, RLE, deflate, big endian, implicit VR) to an instance with native pixels,
// ready to be compressed again. Every other attribute is kept as it was.

#include <filesystem>
#include <string>

#include "core/result.hpp"
#include "dicom/instance.hpp"

namespace dcmflow::dicom {

// A Part 10 file? ("DICM" after the 128-byte preamble; reads 132 bytes.)
[[nodiscard]] bool is_part10_file(const std::filesystem::path& file);

[[nodiscard]] result<instance> read_decoded(const std::filesystem::path& file);

// Who a file is, from its header (nothing after it is read): what a sender needs to pick a
// presentation context.
struct identity {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;
};
[[nodiscard]] result<identity> read_identity(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
