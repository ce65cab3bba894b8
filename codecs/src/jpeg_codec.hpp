#pragma once
// JPEG Baseline (ISO/IEC 10918-1, process 1) through libjpeg-turbo's TurboJPEG API:
// 8-bit only; colour is stored as YBR_FULL_422 (4:2:2 chroma), as PS3.5 8.2.1 describes.

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

class jpeg_codec final : public codec {
 public:
  explicit jpeg_codec(int quality) : quality_(quality) {}
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;

 private:
  int quality_;  // 1-100
};

}  // namespace dcmflow::codecs
