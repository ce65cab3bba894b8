#include "convert/input_listing.hpp"

#include <algorithm>

namespace dcmflow::convert {
namespace {

bool is_hidden(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

void add_folder(const std::filesystem::path& folder, std::vector<input_file>& out) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  auto it = std::filesystem::recursive_directory_iterator(
      folder, std::filesystem::directory_options::skip_permission_denied, error);
  for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (is_hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) found.push_back(it->path());
  }
  if (error) {
    // An unreadable folder is reported as an item rather than silently skipped.
    out.push_back({folder, folder.string()});
    return;
  }
  std::sort(found.begin(), found.end());
  for (auto& path : found) out.push_back({path, path.string(), false});
}

}  // namespace

std::vector<input_file> list_inputs(std::span<const std::filesystem::path> named) {
  std::vector<input_file> out;
  for (const auto& path : named) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      add_folder(path, out);
    } else {
      out.push_back({path, path.string()});
    }
  }
  return out;
}

}  // namespace dcmflow::convert
