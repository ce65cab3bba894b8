#include "report/report_html.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>

#include <dcmflow/codecs/registry.hpp>

#include "report/html.hpp"

namespace dcmflow::report {
namespace {

// "2026-11-25T16:55:33Z" -> seconds since the epoch; -1 when not a time.
long long epoch_seconds(const std::string& iso) {
  std::tm parsed{};
  const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parsed);
  return end == nullptr ? -1 : static_cast<long long>(timegm(&parsed));
}

// Items finished per interval, as an SVG bar chart: the run's throughput over time.
void write_throughput_chart(std::ostream& out, std::vector<long long> times) {
  if (times.empty()) {
    out << "<p>No item finished yet.</p>\n";
    return;
  }
  std::sort(times.begin(), times.end());
  const long long span = times.back() - times.front() + 1;
  const long long bucket = std::max(1LL, (span + 59) / 60);  // at most 60 bars
  std::map<long long, std::size_t> per_bucket;
  for (const long long t : times) ++per_bucket[(t - times.front()) / bucket];
  std::size_t highest = 0;
  for (const auto& [index, count] : per_bucket) highest = std::max(highest, count);
  constexpr int width = 600;
  constexpr int height = 160;
  const long long bars = span / bucket + 1;
  const double bar = static_cast<double>(width) / static_cast<double>(bars);
  out << "<figure><figcaption>Items finished per " << bucket << " s (peak "
      << fixed(static_cast<double>(highest) / bucket, 1)
      << " items/s; runs resumed later show as separate bursts)</figcaption>\n<svg "
         "xmlns=\"http://www.w3.org/2000/svg\" width=\""
      << width << "\" height=\"" << height + 20 << "\" role=\"img\" aria-label=\"throughput over time\">\n";
  for (const auto& [index, count] : per_bucket) {
    const double h = static_cast<double>(height) * static_cast<double>(count) / static_cast<double>(highest);
    out << "<rect x=\"" << fixed(bar * static_cast<double>(index), 1) << "\" y=\"" << fixed(height - h, 1)
        << "\" width=\"" << fixed(std::max(bar - 1, 1.0), 1) << "\" height=\"" << fixed(h, 1)
        << "\" fill=\"#3a78d9\"><title>" << count << " items</title></rect>\n";
  }
  out << "<text x=\"0\" y=\"" << height + 16 << "\" font-size=\"12\">0 s</text><text x=\"" << width - 60 << "\" y=\""
      << height + 16 << "\" font-size=\"12\">" << span << " s</text></svg></figure>\n";
}

// "JPEG-LS Lossless (1.2.840.10008.1.2.4.80)": the name a reader knows, the UID a tool needs.
std::string syntax_label(const std::string& uid) {
  const std::string_view name = codecs::transfer_syntax_name(uid);
  return name.empty() ? uid : std::string(name) + " (" + uid + ")";
}

std::string count_of(std::size_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

void write_runs(std::ostream& out, const std::vector<run_span>& runs) {
  if (runs.size() < 2) return;  // one run: the sentence above says it all
  out << "<h2>Runs</h2>\n<p>This report covers every run of the job; an item is counted in the run that last "
         "worked on it.</p>\n<table><tr><th>Run</th><th>Started</th><th>Ended</th><th>Items</th></tr>\n";
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const run_span& run = runs[index];
    out << "<tr><td>" << index + 1 << "</td><td>" << escape_html(run.started) << "</td><td>"
        << (run.finished.empty() ? std::string("did not end (stopped)") : escape_html(run.finished)) << "</td><td>"
        << run.items << "</td></tr>\n";
  }
  out << "</table>\n";
}

}  // namespace

void report_html_writer::add(const item_record& item) {
  ++items_;
  stored_ += item.status == item_status::converted ? 1 : 0;
  pending_ += item.status == item_status::pending ? 1 : 0;
  instances_ += item.instances.size();
  frames_ += item.frames();
  seconds_ += item.seconds;
  if (const long long t = epoch_seconds(item.finished_at); t >= 0 && item.attempts > 0) finish_times_.push_back(t);
  for (const auto& instance : item.instances) {
    syntax_totals& totals = by_syntax_[instance.transfer_syntax_uid];
    ++totals.instances;
    totals.native += instance.native_bytes;
    totals.stored += instance.stored_bytes;
  }
  if (item.status == item_status::failed) failures_.push_back({item.input, item.error, item.attempts});
  if (!item.thumbnail_png.empty() && item.status == item_status::converted) {
    thumbnails_.push_back({item.input, item.frames(), item.thumbnail_png});
  }
}

result<void> report_html_writer::write(const std::filesystem::path& file, const run_summary& summary) const {
  std::ofstream out(file, std::ios::trunc);
  out << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dcmflow report: "
      << escape_html(summary.job) << "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
      << "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}"
      << ".sheet{display:flex;flex-wrap:wrap;gap:.8em}.sheet figure{margin:0;width:170px;font-size:11px;"
      << "word-break:break-all}.failed{color:#a40000}</style></head><body>\n";
  out << "<h1>dcmflow report</h1>\n<p>Job <code>" << escape_html(summary.job) << "</code>, codec <code>"
      << escape_html(summary.codec) << "</code>, this run " << escape_html(summary.started) << " to "
      << escape_html(summary.finished);
  if (summary.runs.size() > 1) out << " (run " << summary.runs.size() << " of this job)";
  out << ".</p>\n<p>Destinations:";
  for (const auto& destination : summary.destinations) out << " <code>" << escape_html(destination) << "</code>";
  out << "</p>\n<h2>Counts</h2>\n<table><tr><th>Items</th><th>Stored</th><th>Failed</th><th>Pending</th>"
         "<th>Instances</th><th>Frames</th><th>Work time (all stages, summed)</th></tr>\n<tr><td>"
      << items_ << "</td><td>" << stored_ << "</td><td class=\"failed\">" << failures_.size() << "</td><td>" << pending_
      << "</td><td>" << instances_ << "</td><td>" << frames_ << "</td><td>" << fixed(seconds_, 1)
      << " s</td></tr></table>\n";
  write_runs(out, summary.runs);
  out << "<h2>Throughput over time</h2>\n";
  write_throughput_chart(out, finish_times_);
  out << "<h2>Compression</h2>\n<table><tr><th>Transfer syntax</th><th>Instances</th><th>Pixel data MB</th>"
         "<th>Stored MB</th><th>Ratio</th></tr>\n";
  for (const auto& [syntax, t] : by_syntax_) {
    out << "<tr><td>" << escape_html(syntax_label(syntax)) << "</td><td>" << t.instances << "</td><td>"
        << fixed(static_cast<double>(t.native) / 1e6, 1) << "</td><td>" << fixed(static_cast<double>(t.stored) / 1e6, 1)
        << "</td><td>" << (t.stored > 0 ? fixed(static_cast<double>(t.native) / static_cast<double>(t.stored), 2) : "-")
        << "</td></tr>\n";
  }
  out << "</table>\n<h2>Failures</h2>\n";
  if (failures_.empty()) {
    out << "<p>None.</p>\n";
  } else {
    out << "<table><tr><th>Input</th><th>Reason</th><th>Attempts</th></tr>\n";
    for (const auto& failed : failures_) {
      out << "<tr><td>" << escape_html(failed.input) << "</td><td>" << escape_html(failed.reason) << "</td><td>"
          << failed.attempts << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "<h2>Contact sheet</h2>\n<p>First page of a sample of converted items.</p>\n<div class=\"sheet\">\n";
  for (const auto& sample : thumbnails_) {
    out << "<figure><img alt=\"first page\" src=\"data:image/png;base64," << base64(sample.png) << "\"><figcaption>"
        << escape_html(sample.input) << " (" << count_of(sample.frames, "frame", "frames")
        << ")</figcaption></figure>\n";
  }
  out << "</div>\n</body></html>\n";
  out.close();
  if (!out) return failure{"cannot write " + file.string()};
  return {};
}

}  // namespace dcmflow::report
