#include "measure/codec_benchmark.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include <dcmflow/codecs/registry.hpp>

namespace dcmflow::measure {
namespace {

using clock = std::chrono::steady_clock;

// Runs `work` until `min_seconds` have passed (at least 3 times) and returns the median
// seconds of one run: the machine is noisy, medians hold.
template <class Work>
double median_seconds(double min_seconds, Work&& work) {
  std::vector<double> runs;
  const auto start = clock::now();
  while (runs.size() < 3 ||
         (std::chrono::duration<double>(clock::now() - start).count() < min_seconds && runs.size() < 1000)) {
    const auto before = clock::now();
    work();
    runs.push_back(std::chrono::duration<double>(clock::now() - before).count());
  }
  std::nth_element(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(runs.size() / 2), runs.end());
  return runs[runs.size() / 2];
}

std::int64_t sample_at(const codecs::frame_info& info, const std::vector<std::byte>& pixels, std::size_t index) {
  if (info.bits_allocated == 8) return static_cast<std::uint8_t>(pixels[index]);
  std::uint16_t word = 0;
  std::memcpy(&word, pixels.data() + index * 2, 2);
  return info.is_signed ? static_cast<std::int16_t>(word) : word;
}

struct encoded_set {
  std::vector<std::size_t> accepted;              // indexes into frames
  std::vector<std::vector<std::byte>> fragments;  // parallel to accepted
};

}  // namespace

std::vector<codec_measurement> measure_codecs(std::span<const frame_sample> frames, const benchmark_options& options,
                                              std::string& error) {
  std::vector<std::unique_ptr<codecs::encoder>> made;
  std::vector<std::unique_ptr<codecs::decoder>> decoders;
  for (const std::string& spec : options.codecs) {
    std::error_code failure;
    auto codec = codecs::make_encoder(spec, failure);
    auto decoder = codec ? codecs::make_decoder(codec->syntax().uid, failure) : nullptr;
    if (!decoder) {
      error = "--codecs " + spec + ": " + failure.message();
      return {};
    }
    made.push_back(std::move(codec));
    decoders.push_back(std::move(decoder));
  }
  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  tbb::task_arena all_threads(threads);

  std::vector<codec_measurement> results;
  for (std::size_t c = 0; c < made.size(); ++c) {
    const codecs::encoder& codec = *made[c];
    const codecs::decoder& decoder = *decoders[c];
    codec_measurement result;
    result.codec = options.codecs[c];
    result.transfer_syntax_uid = std::string(codec.syntax().uid);
    result.lossy = codec.syntax().lossy;

    // One pass (on all threads) to learn which frames the codec takes, and their
    // compressed size.
    std::vector<std::vector<std::byte>> trial(frames.size());
    std::vector<std::error_code> refusals(frames.size());
    all_threads.execute([&] {
      tbb::parallel_for(std::size_t{0}, frames.size(), [&](std::size_t f) {
        codecs::encoding_effect effect;
        refusals[f] = codec.encode(frames[f].info, frames[f].pixels, trial[f], effect);
      });
    });
    encoded_set encoded;
    for (std::size_t f = 0; f < frames.size(); ++f) {
      if (refusals[f]) {
        result.skipped.push_back(frames[f].source + ": " + refusals[f].message());
        continue;
      }
      encoded.accepted.push_back(f);
      result.raw_bytes += frames[f].info.bytes();
      result.compressed_bytes += trial[f].size();
      encoded.fragments.push_back(std::move(trial[f]));
    }
    result.frames = encoded.accepted.size();
    if (result.frames == 0) {
      results.push_back(std::move(result));
      continue;
    }

    const auto encode_one = [&](std::size_t k) {
      const frame_sample& frame = frames[encoded.accepted[k]];
      std::vector<std::byte> fragment;
      codecs::encoding_effect effect;
      (void)codec.encode(frame.info, frame.pixels, fragment, effect);
    };
    const auto decode_one = [&](std::size_t k, std::vector<std::byte>& out) {
      const frame_sample& frame = frames[encoded.accepted[k]];
      out.resize(frame.info.bytes());
      (void)decoder.decode(encoded.fragments[k], frame.info, out);
    };
    const double megabytes = static_cast<double>(result.raw_bytes) / 1e6;
    const std::size_t count = encoded.accepted.size();

    result.encode_mb_per_s_all_threads =
        megabytes / median_seconds(options.min_seconds, [&] {
          all_threads.execute([&] { tbb::parallel_for(std::size_t{0}, count, encode_one); });
        });
    std::vector<std::byte> scratch;
    if (options.encode_only) {
      result.encode_mb_per_s_one_thread = result.decode_mb_per_s_one_thread = result.decode_mb_per_s_all_threads =
          std::numeric_limits<double>::quiet_NaN();
    } else {
      result.encode_mb_per_s_one_thread = megabytes / median_seconds(options.min_seconds, [&] {
                                            for (std::size_t k = 0; k < count; ++k) encode_one(k);
                                          });
      result.decode_mb_per_s_one_thread = megabytes / median_seconds(options.min_seconds, [&] {
                                            for (std::size_t k = 0; k < count; ++k) decode_one(k, scratch);
                                          });
      result.decode_mb_per_s_all_threads = megabytes / median_seconds(options.min_seconds, [&] {
                                             all_threads.execute([&] {
                                               tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
                                                 thread_local std::vector<std::byte> out;
                                                 decode_one(k, out);
                                               });
                                             });
                                           });
    }
    if (result.lossy) {
      std::int64_t max_error = 0;
      double squared = 0;
      double peak_squared = 0;
      std::size_t samples = 0;
      for (std::size_t k = 0; k < count; ++k) {
        const frame_sample& frame = frames[encoded.accepted[k]];
        decode_one(k, scratch);
        const std::size_t n = frame.info.pixel_count() * frame.info.samples_per_pixel;
        const double peak = std::pow(2.0, frame.info.bits_stored) - 1;
        for (std::size_t i = 0; i < n; ++i) {
          const std::int64_t difference =
              std::abs(sample_at(frame.info, scratch, i) - sample_at(frame.info, frame.pixels, i));
          max_error = std::max(max_error, difference);
          squared += static_cast<double>(difference * difference);
        }
        peak_squared += peak * peak * static_cast<double>(n);
        samples += n;
      }
      result.max_abs_error = max_error;
      if (squared > 0) result.psnr_db = 10 * std::log10(peak_squared / squared);
      (void)samples;
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace dcmflow::measure
