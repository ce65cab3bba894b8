#pragma once
// A helper program started with posix_spawn (never fork() of the threaded engine), spoken
// to through its stdin and stdout. Its stderr is collected while we read, so that a library
// that talks (libjpeg, OpenJPEG) can neither block it nor print bare lines on our terminal:
// what it said is handed to whoever asked for the work. How it ended is told in words.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace dcmflow::isolate {

class helper_process {
 public:
  using deadline = std::chrono::steady_clock::time_point;
  enum class read_outcome { ok, timeout, ended };

  helper_process() = default;
  ~helper_process() { stop(); }
  helper_process(const helper_process&) = delete;
  helper_process& operator=(const helper_process&) = delete;

  // `arguments` follow the program's own name.
  [[nodiscard]] result<void> start(const std::filesystem::path& program, const std::vector<std::string>& arguments);
  // Started, and not ended since (an idle helper may have been ended from outside).
  [[nodiscard]] bool running();

  [[nodiscard]] bool write(std::span<const std::byte> bytes);
  // Exactly `into.size()` bytes of its stdout, unless it ends or the deadline passes first.
  [[nodiscard]] read_outcome read(std::span<std::byte> into, deadline until);

  // What it wrote to stderr since the last call, line by line (at most a few kilobytes).
  [[nodiscard]] std::vector<std::string> take_messages();

  // Kills it if it still runs and says how it ended: "exited with status 3", "was killed by
  // SIGABRT", "was killed by SIGKILL"...
  std::string stop();

 private:
  void collect_stderr();
  pid_t pid_ = -1;
  int to_helper_ = -1;
  int from_helper_ = -1;
  int helper_stderr_ = -1;
  int ended_status_ = -1;  // waitpid's status once reaped by running()
  std::string stderr_text_;
};

// "SIGABRT", "SIGSEGV"... for a signal number.
[[nodiscard]] std::string signal_name(int signal);

}  // namespace dcmflow::isolate
