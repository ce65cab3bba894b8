#pragma once
// JPEG 2000 (ISO/IEC 15444-1) through OpenJPEG: lossless (reversible 5/3) or lossy at a
// compression ratio (irreversible 9/7).

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

class j2k_codec final : public codec {
 public:
  explicit j2k_codec(double ratio) : ratio_(ratio) {}
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;

 private:
  double ratio_;  // 0: lossless (.90); above 1: lossy at this ratio (.91)
};

// Resolution levels a frame can have: each level halves the smaller side.
[[nodiscard]] unsigned fitting_decompositions(const frame_info& frame, unsigned wanted) noexcept;

}  // namespace dcmflow::codecs
