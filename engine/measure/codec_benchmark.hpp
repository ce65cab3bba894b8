#pragma once
// Measures codecs on real frames: compression ratio, encode and decode speed (MB of raw
// pixels per second, one thread and all threads) and, for lossy codecs, the error.
// What `dcmflow bench` reports; the micro-benchmarks in bench/ measure the same calls.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <dcmflow/codecs/frame_info.hpp>

namespace dcmflow::measure {

struct frame_sample {
  std::string source;  // where the frame came from, for the report
  codecs::frame_info info;
  std::vector<std::byte> pixels;
};

struct codec_measurement {
  std::string codec;  // the spec, e.g. "jpegls-near:2"
  std::string transfer_syntax_uid;
  bool lossy = false;
  std::size_t frames = 0;  // frames the codec accepted
  std::size_t raw_bytes = 0;
  std::size_t compressed_bytes = 0;
  double encode_mb_per_s_one_thread = 0;
  double encode_mb_per_s_all_threads = 0;
  double decode_mb_per_s_one_thread = 0;
  double decode_mb_per_s_all_threads = 0;
  std::optional<std::int64_t> max_abs_error;  // lossy only
  std::optional<double> psnr_db;              // lossy only; absent when identical
  std::vector<std::string> skipped;           // "source: why" for frames the codec refused

  [[nodiscard]] double ratio() const {
    return compressed_bytes == 0 ? 0.0 : static_cast<double>(raw_bytes) / static_cast<double>(compressed_bytes);
  }
};

struct benchmark_options {
  std::vector<std::string> codecs;  // specs
  int threads = 0;                  // 0: all cores
  double min_seconds = 0.3;         // per measurement; repeated until reached, median taken
  bool encode_only = false;         // only encoding on all threads (the others stay NaN)
};

// Fails only for an unknown codec spec (the message names it).
[[nodiscard]] std::vector<codec_measurement> measure_codecs(std::span<const frame_sample> frames,
                                                            const benchmark_options& options, std::string& error);

}  // namespace dcmflow::measure
