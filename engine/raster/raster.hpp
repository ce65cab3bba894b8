#pragma once
// Decoded pixels ready to be tagged: one or more frames of identical geometry.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::raster {

struct raster {
  codecs::frame_info frame;  // shared by every frame
  std::uint32_t frame_count = 0;
  std::vector<std::byte> pixels;   // frame after frame, samples interleaved, little endian
  std::vector<std::string> notes;  // conversions the user should know about (bit depth reduced...)
  // Set when the source itself was lossy (a JPEG photo): Lossy Image Compression must say
  // so even though dcmflow stores the decoded pixels losslessly (PS3.3 C.7.6.1.1.5).
  std::string lossy_source_method;  // e.g. "ISO_10918_1"; empty when lossless
  // Size of a pixel on the page, for rendered documents (Pixel Spacing).
  std::optional<double> pixel_spacing_mm;

  [[nodiscard]] std::span<const std::byte> frame_pixels(std::uint32_t index) const {
    const std::size_t size = frame.bytes();
    return std::span<const std::byte>(pixels).subspan(index * size, size);
  }
};

// True when an RGB raster's every pixel has R == G == B (or it is grey already).
[[nodiscard]] bool is_grey(const raster& image);

// RGB to grey in place: exact where R == G == B, else BT.601 luma, rounded.
void to_grey(raster& image);

// One 8-bit frame: interleaved RGB to grey (as to_grey), and grey to RGB (exact). The
// destination holds a third of (or three times) the source's bytes.
void grey_of(std::span<const std::byte> rgb, std::span<std::byte> grey);
void rgb_of(std::span<const std::byte> grey, std::span<std::byte> rgb);
[[nodiscard]] bool is_grey_rgb(std::span<const std::byte> rgb);

// One single-frame raster per page (for one instance per page); notes stay with the first.
[[nodiscard]] std::vector<raster> split_pages(std::vector<raster> rasters);

}  // namespace dcmflow::raster
