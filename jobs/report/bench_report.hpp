#pragma once
// `dcmflow bench` results as a table for a terminal, CSV, JSON, or an HTML page with bar
// charts (inline SVG, no script, no network) for people who would rather look than read.

#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "measure/codec_benchmark.hpp"

namespace dcmflow::report {

struct bench_context {
  std::size_t frames = 0;
  std::size_t raw_bytes = 0;
  int threads = 0;
  std::string machine;  // e.g. "2 cores, Intel Xeon ..."
};

void write_bench_table(std::ostream& out, std::span<const measure::codec_measurement> results,
                       const bench_context& context);
void write_bench_csv(std::ostream& out, std::span<const measure::codec_measurement> results);
void write_bench_json(std::ostream& out, std::span<const measure::codec_measurement> results,
                      const bench_context& context);
void write_bench_html(std::ostream& out, std::span<const measure::codec_measurement> results,
                      const bench_context& context);

}  // namespace dcmflow::report
