#pragma once
// The codec adapters, one class per library (after dicom-rs' adapters): each turns a
// frame into one fragment and back through its library, and says what the object must
// adopt. The registry (registry.cpp) is the only way in from outside.

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs {

// Uncompressed pixels: Explicit VR Little Endian, and Deflated Explicit VR Little Endian
// (whose deflation covers the whole dataset and is done where the file is written; a frame
// deflated here is what `dcmflow bench` measures). Every transfer syntax has one entry.
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

// RLE Lossless (PS3.5 Annex G), written here: a 64-byte header of segment offsets, one
// segment per byte of each sample (most significant byte first), each row PackBits-coded
// on its own, every segment padded to an even length.
class rle_codec final : public codec {
 public:
  [[nodiscard]] const codec_description& description() const noexcept override;
  [[nodiscard]] std::error_code encode(const frame_info& frame, std::span<const std::byte> pixels,
                                       std::vector<std::byte>& fragment, encoding_effect& effect) const override;
  [[nodiscard]] std::error_code decode(std::span<const std::byte> fragment, const frame_info& frame,
                                       std::span<std::byte> pixels) const override;
};

// JPEG-LS lossless and near-lossless (ISO/IEC 14495-1) through CharLS.
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

// JPEG 2000 (ISO/IEC 15444-1) through OpenJPEG: lossless (reversible 5/3) or lossy at a
// compression ratio (irreversible 9/7).
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

// High-Throughput JPEG 2000 (ISO/IEC 15444-15) through OpenJPH, both ways. Debian builds
// OpenJPH (and OpenJPEG's HT decoder) with assertions on: some corrupt fragments abort
// the process (found by tests/fuzz; inputs in tests/fuzz/regressions/htj2k). Decode data
// from outside through decode_untrusted(), which isolates this codec.
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

// JPEG Baseline (ISO/IEC 10918-1, process 1) through libjpeg-turbo's TurboJPEG API:
// 8-bit only; colour is stored as YBR_FULL_422 (4:2:2 chroma), as PS3.5 8.2.1 describes.
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
