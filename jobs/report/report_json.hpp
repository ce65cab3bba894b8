#pragma once
// report.json: every input and what became of it. Later issues add fields; these stay:
// {"items":[{"input","status":"ok"|"failed","error","outputs":[relative paths]}],"summary":{...}}

#include <chrono>
#include <filesystem>
#include <span>

#include "core/item.hpp"
#include "core/result.hpp"

namespace dcmflow::report {

struct run_times {
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
};

[[nodiscard]] result<void> write_report_json(const std::filesystem::path& file,
                                             std::span<const item_record> items,
                                             const run_times& times);

}  // namespace dcmflow::report
