#pragma once
// report.html: one self-contained page a migration team can open and hand over: counts,
// throughput over time, compression ratios, failures with their reasons, and a contact
// sheet of thumbnails of a sample of converted pages. Patient data appears only in what the
// user asked for (file names and thumbnails); reasons never quote values.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"

namespace dcmflow::report {

struct run_summary {
  std::string job;                        // the job file, as named
  std::vector<std::string> destinations;
  std::string codec;
  std::string started;                    // ISO 8601 UTC
  std::string finished;
};

[[nodiscard]] result<void> write_report_html(const std::filesystem::path& file, std::span<const item_record> items,
                                             const run_summary& summary);

}  // namespace dcmflow::report
