#pragma once
// High-Throughput JPEG 2000 (ISO/IEC 15444-15): encoded with OpenJPH, decoded with
// OpenJPEG (which reads HTJ2K since 2.5 and is the better-hardened decoder of the two
// against corrupt input).

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

class htj2k_codec final : public codec {
 public:
  explicit htj2k_codec(double ratio) : ratio_(ratio) {}
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;

 private:
  double ratio_;  // 0: lossless (.201); above 1: lossy near this ratio (.203)
};

}  // namespace dcmflow::codecs
