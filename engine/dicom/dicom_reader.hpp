#pragma once
// Existing DICOM files (anything GDCM decodes: JPEG baseline/extended/lossless, JPEG-LS,
// JPEG 2000, RLE, deflate, big endian, implicit VR) to an instance with native pixels,
// ready to be compressed again. Every other attribute is kept as it was.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.hpp"
#include "dicom/instance.hpp"

namespace dcmflow::dicom {

[[nodiscard]] result<instance> read_decoded(const std::filesystem::path& file);

// The same object with its pixels decoded, as Part 10 bytes in Explicit VR Little Endian:
// what a peer that refuses the file's syntax is sent instead.
[[nodiscard]] result<std::string> read_uncompressed_part10(const std::filesystem::path& file);

// What a file's pixels decode to, by its header (every frame, native); 0 when the header
// says nothing usable (the readers then say why).
[[nodiscard]] std::uint64_t declared_pixel_bytes(const std::filesystem::path& file);

// The Transfer Syntax UID a Part 10 file's meta header names (its first 16 KiB walked by
// hand, no DICOM library); empty when there is none.
[[nodiscard]] std::string declared_transfer_syntax(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
