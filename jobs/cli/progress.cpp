#include "cli/progress.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>

namespace dcmflow::cli {
namespace {

std::string duration_text(double seconds) {
  const auto total = std::llround(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  return text;
}

}  // namespace

progress_meter::progress_meter(std::size_t total, bool live, std::ostream& out, std::chrono::milliseconds every)
    : total_(total), live_(live), out_(out), every_(every) {
  ticker_ = std::thread([this] { tick(); });
}

progress_meter::~progress_meter() { stop(); }

void progress_meter::item_finished(const item_record& record, bool skipped) {
  if (skipped) {
    ++skipped_;
  } else {
    pages_ += record.frames();
    bytes_ += record.input_bytes;
    if (record.status == item_status::failed) ++failed_;
  }
  ++done_;
}

void progress_meter::tick() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stopping_; })) print_line();
}

void progress_meter::print_line() {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const std::size_t done = done_;
  const std::size_t worked = done - skipped_;
  const double items_per_s = elapsed > 0 ? static_cast<double>(worked) / elapsed : 0;
  const std::size_t remaining = total_ - done;
  char line[256];
  std::snprintf(line, sizeof line, "%zu/%zu items (%zu failed, %zu skipped) | %.1f pages/s | %.1f MB/s | ETA %s", done,
                total_, failed_.load(), skipped_.load(), elapsed > 0 ? static_cast<double>(pages_) / elapsed : 0,
                elapsed > 0 ? static_cast<double>(bytes_) / 1e6 / elapsed : 0,
                items_per_s > 0 ? duration_text(static_cast<double>(remaining) / items_per_s).c_str() : "-");
  if (live_) {
    out_ << "\r\033[K" << line << std::flush;
  } else {
    out_ << "progress: " << line << '\n' << std::flush;
  }
}

void progress_meter::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  print_line();
  if (live_) out_ << '\n';
}

}  // namespace dcmflow::cli
