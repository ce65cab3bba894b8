#include "core/scratch.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <string>
#include <string_view>

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
    // Only the names run_scratch_folder() makes: dcmflow-PID and dcmflow-entries-PID.
    std::string digits;
    for (const std::string_view prefix : {"dcmflow-entries-", "dcmflow-"}) {
      if (name.starts_with(prefix)) {
        digits = name.substr(prefix.size());
        break;
      }
    }
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
      continue;
    }
    // Ours only: another user's run is theirs to clean.
    struct stat owner {};
    if (lstat(entry.path().c_str(), &owner) != 0 || owner.st_uid != getuid() || !S_ISDIR(owner.st_mode)) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry.path(), error);
  }
}

}  // namespace dcmflow
