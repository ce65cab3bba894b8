#pragma once
// Progress of a run: on a terminal, one live line rewritten in place; otherwise (a log, a
// nightly job) a plain line every few seconds. Counts only: never a name or an ID.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <thread>

#include "core/item.hpp"

namespace dcmflow::cli {

class progress_meter {
 public:
  // `live`: rewrite one line (a terminal). `every`: how often a line is printed.
  progress_meter(std::size_t total, bool live, std::ostream& out, std::chrono::milliseconds every);
  ~progress_meter();
  progress_meter(const progress_meter&) = delete;
  progress_meter& operator=(const progress_meter&) = delete;

  // From the graph's serial finish node.
  void item_finished(const item_record& record, bool skipped);
  // Stops the ticker and prints the last line.
  void stop();

 private:
  void print_line();
  void tick();

  std::size_t total_;
  bool live_;
  std::ostream& out_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<std::size_t> done_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<std::size_t> skipped_{0};
  std::atomic<std::uint64_t> pages_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace dcmflow::cli
