#pragma once
// Private to dicom/: an image's pixel description checked against itself and against its
// pixel data before anything is decoded or allocated. GDCM decodes what it is given: it
// zero-fills short Pixel Data, pads a codestream smaller than the header, allocates what a
// length field declares and asserts on a SamplesPerPixel of 0. Each of those would invent
// pixels or crash; here they fail with what is wrong.

#include <cstdint>
#include <filesystem>
#include <optional>

#include "core/result.hpp"

namespace dcmflow::dicom {

// What decoding one file may cost: a 2-core, 24 GiB machine runs several items at once.
inline constexpr std::uint64_t max_decoded_pixel_bytes = 4ULL << 30;

struct pixel_geometry {
  std::uint32_t rows = 0;
  std::uint32_t columns = 0;
  std::uint32_t samples_per_pixel = 0;
  std::uint32_t bits_allocated = 0;
  std::uint32_t bits_stored = 0;
  std::uint32_t frames = 1;
  [[nodiscard]] std::uint64_t decoded_bytes() const;  // all frames, native
};

// Reads the file up to its Pixel Data (its value skipped, never allocated) and checks the
// description: samples 1 or 3, bits allocated 1/8/16/32, 1 <= bits stored <= allocated,
// high bit = bits stored - 1, rows, columns and frames at least 1, the decoded size within
// `max_decoded_pixel_bytes`; for native syntaxes, the declared length against the bytes the
// file holds and against the geometry; for compressed ones, each fragment's length against
// the file and each frame's own header (JPEG 2000 SIZ, JPEG-LS and JPEG SOF, RLE segment
// table) against the description -- before GDCM's image reader, which already decodes RLE
// while reading. Nothing (no failure) when the file has no Pixel Data
// or is not one GDCM parses: the readers then say what it is.
[[nodiscard]] result<std::optional<pixel_geometry>> check_pixel_header(const std::filesystem::path& file);

}  // namespace dcmflow::dicom
