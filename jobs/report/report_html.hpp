#pragma once
// report.html: one self-contained page a migration team can open and hand over: counts,
// throughput over time, compression ratios, failures with their reasons, and a contact
// sheet of thumbnails of a sample of converted pages. Patient data appears only in what the
// user asked for (file names and thumbnails); reasons never quote values.
// Items are added one at a time and only aggregates are kept (plus the failures and the
// sampled thumbnails), so a report of any size takes little memory.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"

namespace dcmflow::report {

// One run of the job: a resumed job has several, and the report covers them all.
struct run_span {
  std::string started;    // ISO 8601 UTC
  std::string finished;   // empty when that run never ended (killed)
  std::size_t items = 0;  // items whose latest outcome it recorded
};

struct run_summary {
  std::string job;  // the job file, as named
  std::vector<std::string> destinations;
  std::string codec;
  std::string started;  // this run, ISO 8601 UTC
  std::string finished;
  std::vector<run_span> runs;  // every run of the job, oldest first (this one last)
};

class report_html_writer {
 public:
  void add(const item_record& item);
  [[nodiscard]] result<void> write(const std::filesystem::path& file, const run_summary& summary) const;

 private:
  struct syntax_totals {
    std::size_t instances = 0;
    std::uint64_t native = 0;
    std::uint64_t stored = 0;
  };
  struct failed_item {
    std::string input;
    std::string reason;
    std::uint32_t attempts = 0;
  };
  struct thumbnail {
    std::string input;
    std::uint32_t frames = 0;
    std::vector<std::byte> png;
  };

  std::size_t items_ = 0;
  std::size_t stored_ = 0;
  std::size_t pending_ = 0;
  std::size_t instances_ = 0;
  std::size_t frames_ = 0;
  double seconds_ = 0;
  std::vector<long long> finish_times_;  // seconds since the epoch, one per worked item
  std::map<std::string, syntax_totals> by_syntax_;
  std::vector<failed_item> failures_;
  std::vector<thumbnail> thumbnails_;
};

}  // namespace dcmflow::report
