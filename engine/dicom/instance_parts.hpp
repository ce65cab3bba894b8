#pragma once
// An instance taken apart into plain values, to cross from the process that decoded it to
// the one that compresses and stores it (isolate/), and put back together there. The
// dataset travels as a Part 10 file without Pixel Data, written by GDCM from what GDCM read;
// the pixels travel as they are.

#include <cstdint>
#include <string>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>

#include "core/result.hpp"
#include "dicom/instance.hpp"

namespace dcmflow::dicom {

struct instance_parts {
  std::string dataset;  // Part 10, Explicit VR Little Endian, no Pixel Data
  bool has_pixels = false;
  codecs::frame_info frame;
  std::uint32_t frame_count = 0;
  std::vector<std::byte> native_pixels;
  std::vector<std::string> notes;
};

// Real objects nest a few levels (structured reports a dozen or so); deeper is an attack on
// a recursive reader's stack.
inline constexpr int max_sequence_depth = 64;

// Only for an instance whose pixels are native (as read_decoded() returns it).
[[nodiscard]] result<instance_parts> take_apart(instance&& object);
[[nodiscard]] result<instance> put_together(instance_parts&& parts);

}  // namespace dcmflow::dicom
