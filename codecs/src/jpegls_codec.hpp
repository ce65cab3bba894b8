#pragma once
// JPEG-LS lossless and near-lossless (ISO/IEC 14495-1) through CharLS.

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

class jpegls_codec final : public codec {
 public:
  explicit jpegls_codec(int near_lossless) : near_(near_lossless) {}
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;

 private:
  int near_;  // 0: lossless (transfer syntax .80); above 0: near-lossless (.81)
};

}  // namespace dcmflow::codecs
