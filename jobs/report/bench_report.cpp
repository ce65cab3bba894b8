#include "report/bench_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <sstream>

#include "report/html.hpp"

namespace dcmflow::report {
namespace {

std::string error_text(const measure::codec_measurement& result) {
  if (!result.lossy) return "0";
  return result.max_abs_error ? std::to_string(*result.max_abs_error) : "-";
}

std::string psnr_text(const measure::codec_measurement& result) {
  if (!result.lossy) return "lossless";
  return result.psnr_db ? fixed(*result.psnr_db, 1) : "inf";
}

// One horizontal bar chart: a bar per codec, scaled to the largest value.
void write_bar_chart(std::ostream& out, std::string_view title, std::span<const measure::codec_measurement> results,
                     const std::function<double(const measure::codec_measurement&)>& value, int decimals) {
  constexpr int label_width = 130;
  constexpr int bar_width = 420;
  constexpr int row = 22;
  double largest = 0;
  // Not measured (--encode-only) is NaN: no bar, "-" as its label.
  const auto measured = [&](const measure::codec_measurement& r) { return std::isnan(value(r)) ? 0.0 : value(r); };
  for (const auto& r : results) largest = std::max(largest, measured(r));
  const int height = row * static_cast<int>(results.size()) + 30;
  out << "<figure><figcaption>" << escape_html(title) << "</figcaption>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_width + bar_width + 90 << "\" height=\""
      << height << "\" role=\"img\" aria-label=\"" << escape_html(title) << "\">\n";
  int y = 10;
  for (const auto& r : results) {
    const double v = measured(r);
    const int width = largest > 0 ? static_cast<int>(bar_width * v / largest) : 0;
    out << "<text x=\"0\" y=\"" << y + 14 << "\" font-size=\"13\">" << escape_html(r.codec) << "</text>"
        << "<rect x=\"" << label_width << "\" y=\"" << y << "\" width=\"" << std::max(width, 1)
        << "\" height=\"16\" fill=\"" << (r.lossy ? "#d98b3a" : "#3a78d9") << "\"/>"
        << "<text x=\"" << label_width + width + 6 << "\" y=\"" << y + 13 << "\" font-size=\"12\">"
        << fixed(value(r), decimals) << "</text>\n";
    y += row;
  }
  out << "</svg></figure>\n";
}

}  // namespace

void write_bench_table(std::ostream& out, std::span<const measure::codec_measurement> results,
                       const bench_context& context) {
  out << "dcmflow bench: " << context.frames << " frames, " << fixed(static_cast<double>(context.raw_bytes) / 1e6, 1)
      << " MB of pixels, " << context.threads << " threads";
  if (!context.machine.empty()) out << ", " << context.machine;
  out << "\nMB/s are MB of raw pixels per second, medians of repeated runs.\n\n";
  out << std::left << std::setw(15) << "codec" << std::right << std::setw(7) << "frames" << std::setw(8) << "ratio"
      << std::setw(11) << "enc 1T" << std::setw(11) << "enc all" << std::setw(11) << "dec 1T" << std::setw(11)
      << "dec all" << std::setw(9) << "max err" << std::setw(10) << "PSNR dB" << '\n';
  for (const auto& r : results) {
    out << std::left << std::setw(15) << r.codec << std::right << std::setw(7) << r.frames << std::setw(8)
        << fixed(r.ratio(), 2) << std::setw(11) << fixed(r.encode_mb_per_s_one_thread, 1) << std::setw(11)
        << fixed(r.encode_mb_per_s_all_threads, 1) << std::setw(11) << fixed(r.decode_mb_per_s_one_thread, 1)
        << std::setw(11) << fixed(r.decode_mb_per_s_all_threads, 1) << std::setw(9) << error_text(r) << std::setw(10)
        << psnr_text(r) << '\n';
  }
  for (const auto& r : results) {
    for (const auto& skipped : r.skipped) out << "  " << r.codec << " skipped " << skipped << '\n';
  }
}

void write_bench_csv(std::ostream& out, std::span<const measure::codec_measurement> results) {
  out << "codec,transfer_syntax_uid,lossy,frames,raw_bytes,compressed_bytes,ratio,encode_mb_s_1t,encode_mb_s_all,"
         "decode_mb_s_1t,decode_mb_s_all,max_abs_error,psnr_db\n";
  for (const auto& r : results) {
    out << r.codec << ',' << r.transfer_syntax_uid << ',' << (r.lossy ? "yes" : "no") << ',' << r.frames << ','
        << r.raw_bytes << ',' << r.compressed_bytes << ',' << fixed(r.ratio(), 4) << ','
        << fixed(r.encode_mb_per_s_one_thread, 2) << ',' << fixed(r.encode_mb_per_s_all_threads, 2) << ','
        << fixed(r.decode_mb_per_s_one_thread, 2) << ',' << fixed(r.decode_mb_per_s_all_threads, 2) << ','
        << (r.max_abs_error ? std::to_string(*r.max_abs_error) : "") << ',' << (r.psnr_db ? fixed(*r.psnr_db, 2) : "")
        << '\n';
  }
}

void write_bench_json(std::ostream& out, std::span<const measure::codec_measurement> results,
                      const bench_context& context) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : results) {
    rows.push_back({{"codec", r.codec},
                    {"transfer_syntax_uid", r.transfer_syntax_uid},
                    {"lossy", r.lossy},
                    {"frames", r.frames},
                    {"raw_bytes", r.raw_bytes},
                    {"compressed_bytes", r.compressed_bytes},
                    {"ratio", r.ratio()},
                    {"encode_mb_per_s",
                     {{"one_thread", r.encode_mb_per_s_one_thread}, {"all_threads", r.encode_mb_per_s_all_threads}}},
                    {"decode_mb_per_s",
                     {{"one_thread", r.decode_mb_per_s_one_thread}, {"all_threads", r.decode_mb_per_s_all_threads}}},
                    {"max_abs_error", r.max_abs_error ? nlohmann::json(*r.max_abs_error) : nlohmann::json()},
                    {"psnr_db", r.psnr_db ? nlohmann::json(*r.psnr_db) : nlohmann::json()},
                    {"skipped", r.skipped}});
  }
  out << nlohmann::json{{"frames", context.frames},
                        {"raw_bytes", context.raw_bytes},
                        {"threads", context.threads},
                        {"machine", context.machine},
                        {"codecs", rows}}
             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << '\n';
}

void write_bench_html(std::ostream& out, std::span<const measure::codec_measurement> results,
                      const bench_context& context) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dcmflow bench</title>\n"
         "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
         "td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child"
         "{text-align:left}figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.4em}"
         ".key span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em}</style>"
         "</head><body>\n<h1>dcmflow bench</h1>\n<p>"
      << context.frames << " frames, " << fixed(static_cast<double>(context.raw_bytes) / 1e6, 1) << " MB of pixels, "
      << context.threads << " threads" << (context.machine.empty() ? "" : ", " + escape_html(context.machine))
      << ". MB/s are MB of raw pixels per second, medians of repeated runs.</p>\n"
      << "<p class=\"key\"><span style=\"background:#3a78d9\"></span>lossless"
         "<span style=\"background:#d98b3a\"></span>lossy</p>\n";
  write_bar_chart(
      out, "Compression ratio (higher is smaller)", results, [](const auto& r) { return r.ratio(); }, 2);
  write_bar_chart(
      out, "Encode MB/s, all threads", results, [](const auto& r) { return r.encode_mb_per_s_all_threads; }, 1);
  write_bar_chart(
      out, "Decode MB/s, all threads", results, [](const auto& r) { return r.decode_mb_per_s_all_threads; }, 1);
  out << "<table><tr><th>codec</th><th>transfer syntax</th><th>frames</th><th>ratio</th><th>encode 1T</th>"
         "<th>encode all</th><th>decode 1T</th><th>decode all</th><th>max error</th><th>PSNR dB</th></tr>\n";
  for (const auto& r : results) {
    out << "<tr><td>" << escape_html(r.codec) << "</td><td>" << r.transfer_syntax_uid << "</td><td>" << r.frames
        << "</td><td>" << fixed(r.ratio(), 2) << "</td><td>" << fixed(r.encode_mb_per_s_one_thread, 1) << "</td><td>"
        << fixed(r.encode_mb_per_s_all_threads, 1) << "</td><td>" << fixed(r.decode_mb_per_s_one_thread, 1)
        << "</td><td>" << fixed(r.decode_mb_per_s_all_threads, 1) << "</td><td>" << error_text(r) << "</td><td>"
        << psnr_text(r) << "</td></tr>\n";
  }
  out << "</table>\n";
  for (const auto& r : results) {
    for (const auto& skipped : r.skipped) {
      out << "<p>" << escape_html(r.codec) << " skipped " << escape_html(skipped) << "</p>\n";
    }
  }
  out << "</body></html>\n";
}

}  // namespace dcmflow::report
