#pragma once
// High-Throughput JPEG 2000 (ISO/IEC 15444-15) through OpenJPH, both ways. Debian builds
// OpenJPH (and OpenJPEG's HT decoder) with assertions on: some corrupt fragments abort
// the process (found by tests/fuzz; inputs in tests/fuzz/regressions/htj2k). Decode data
// from outside through decode_untrusted(), which isolates this codec.

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
