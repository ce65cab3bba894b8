#pragma once
// RLE Lossless (PS3.5 Annex G), written here: a 64-byte header of segment offsets, one
// segment per byte of each sample (most significant byte first), each row PackBits-coded
// on its own, every segment padded to an even length.

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

class rle_codec final : public codec {
 public:
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;
};

}  // namespace dcmflow::codecs
