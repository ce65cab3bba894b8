#pragma once
// Uncompressed pixels: Explicit VR Little Endian, and Deflated Explicit VR Little Endian
// (whose deflation covers the whole dataset and is done where the file is written; a frame
// deflated here is what `dcmflow bench` measures). Every transfer syntax has one entry.

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

class native_codec final : public codec {
 public:
  explicit native_codec(bool deflated) : deflated_(deflated) {}
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;

 private:
  bool deflated_;
};

}  // namespace dcmflow::codecs
