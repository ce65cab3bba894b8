#pragma once
// report.json: every input and what became of it. Later issues add fields; these stay:
// {"items":[{"input","status":"ok"|"failed"|"pending","error","outputs":[relative paths],
//   "instances":[{"sop_instance_uid",...}],"sha256","attempts"}],"summary":{...}}
// Written item by item, so a report of any size takes constant memory.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <span>

#include "core/item.hpp"
#include "core/result.hpp"

namespace dcmflow::report {

struct run_times {
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
};

class report_json_writer {
 public:
  [[nodiscard]] static result<report_json_writer> open(const std::filesystem::path& file);
  void add(const item_record& item);
  // Closes the list with the summary; fails when anything could not be written.
  [[nodiscard]] result<void> finish(const run_times& times);

 private:
  std::filesystem::path file_;
  std::ofstream out_;
  std::size_t total_ = 0;
  std::size_t converted_ = 0;
  std::size_t failed_ = 0;
  std::size_t outputs_ = 0;
};

[[nodiscard]] result<void> write_report_json(const std::filesystem::path& file, std::span<const item_record> items,
                                             const run_times& times);

}  // namespace dcmflow::report
