#include "office/rendering_environment.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "core/digest.hpp"

extern char** environ;  // POSIX's own

namespace dcmflow::office {
namespace {

std::string short_hash(const std::string& text) { return to_hex(sha256_of_parts({text})).substr(0, 12); }

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// fontconfig's default folders (fonts.conf): the system's, the local administrator's and the user's.
std::vector<std::filesystem::path> font_folders() {
  std::vector<std::filesystem::path> folders = {"/usr/share/fonts", "/usr/local/share/fonts"};
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    folders.emplace_back(std::filesystem::path(home) / ".local/share/fonts");
    folders.emplace_back(std::filesystem::path(home) / ".fonts");
  }
  return folders;
}

}  // namespace

rendering_environment current_rendering_environment() {
  rendering_environment environment;
  const std::filesystem::path program = DCMFLOW_LIBREOFFICE_PROGRAM;
  const std::string version = read_text(program / "versionrc");
  std::string build = "unknown";
  if (const auto at = version.find("buildid="); at != std::string::npos) {
    build = version.substr(at + 8, version.find('\n', at) - at - 8);
  }
  std::error_code error;
  const auto library_size = std::filesystem::file_size(program / "libmergedlo.so", error);
  environment.libreoffice =
      "LibreOffice build " + build + " " + short_hash(version + "\n" + std::to_string(error ? 0 : library_size));

  // Every font file by its path and size, in a fixed order.
  std::vector<std::string> fonts;
  for (const auto& folder : font_folders()) {
    auto it = std::filesystem::recursive_directory_iterator(
        folder, std::filesystem::directory_options::skip_permission_denied, error);
    for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (!it->is_regular_file(error)) continue;
      fonts.push_back(it->path().string() + " " + std::to_string(it->file_size(error)));
    }
    error.clear();
  }
  std::sort(fonts.begin(), fonts.end());
  std::ostringstream listing;
  for (const auto& font : fonts) listing << font << '\n';
  environment.fonts = "fonts " + short_hash(listing.str()) + ": " + std::to_string(fonts.size()) + " files";
  return environment;
}

void settle_font_cache() {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): posix_spawn's signature
  std::array<char*, 2> argv = {const_cast<char*>("fc-cache"), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, "fc-cache", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return;  // no fontconfig tools: LibreOffice builds what it needs itself
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace dcmflow::office
