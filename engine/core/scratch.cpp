#include "core/scratch.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <string>

namespace dcmflow {

std::filesystem::path run_scratch_folder(std::string_view kind) {
  std::string name = "dcmflow-";
  if (!kind.empty()) name += std::string(kind) + "-";
  return std::filesystem::temp_directory_path() / (name + std::to_string(getpid()));
}

void remove_scratch_of_dead_runs() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path(error), error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("dcmflow-")) continue;
    // The process number is what follows the last '-'.
    const std::string digits = name.substr(name.rfind('-') + 1);
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry.path(), error);
  }
}

}  // namespace dcmflow
