#include "convert/input_listing.hpp"

#include "convert/archive_reader.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace dcmflow::convert {
namespace {

bool is_hidden(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

bool matches_any(const std::vector<std::string>& globs, const std::string& relative) {
  // No FNM_PATHNAME: '*' crosses folders, as people expect of "*.pdf" below a tree.
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& glob) { return fnmatch(glob.c_str(), relative.c_str(), 0) == 0; });
}

bool taken(const input_filter& filter, const std::filesystem::path& folder, const std::filesystem::path& file) {
  const std::string relative = file.lexically_relative(folder).generic_string();
  if (!filter.include.empty() && !matches_any(filter.include, relative)) return false;
  return !matches_any(filter.exclude, relative);
}

void add_file(const std::filesystem::path& path, const std::string& name, bool named_directly,
              const std::string& identity, const std::string& archive_name_encoding, std::vector<input_file>& out) {
  if (!is_archive(path)) {
    out.push_back({path, name, named_directly, {}, 0, {}, identity});
    return;
  }
  auto entries = list_archive(path, name, archive_name_encoding);
  if (!entries) {
    out.push_back({path, name, named_directly, {}, 0, entries.error().message, identity});
    return;
  }
  for (auto& entry : entries.value()) {
    entry.identity = identity + "!" + entry.entry;
    out.push_back(std::move(entry));
  }
}

// A folder's own name, also when it was named "." or "scans/".
std::string own_name(const std::filesystem::path& folder) {
  std::error_code error;
  const std::filesystem::path full = std::filesystem::weakly_canonical(std::filesystem::absolute(folder), error);
  return (error ? folder.lexically_normal() : full).filename().string();
}

// `folder`: where it is opened; `shown`: as the user named it, what its files' names start with.
void add_folder(const std::filesystem::path& folder, const std::filesystem::path& shown, const input_filter& filter,
                std::vector<input_file>& out) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  auto it = std::filesystem::recursive_directory_iterator(
      folder, std::filesystem::directory_options::skip_permission_denied, error);
  for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (is_hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && taken(filter, folder, it->path())) found.push_back(it->path());
  }
  if (error) {
    // An unreadable folder is reported as an item rather than silently skipped.
    out.push_back({folder, shown.string(), true, {}, 0, {}, own_name(folder)});
    return;
  }
  std::sort(found.begin(), found.end());
  const std::string root = own_name(folder);
  for (auto& path : found) {
    const std::string below = path.lexically_relative(folder).generic_string();
    add_file(path, (shown / below).string(), false, root + "/" + below, filter.archive_name_encoding, out);
  }
}

}  // namespace

std::vector<input_file> list_inputs(std::span<const std::filesystem::path> named, const input_filter& filter,
                                    const std::filesystem::path& base) {
  std::vector<input_file> out;
  for (const auto& shown : named) {
    const std::filesystem::path path = base.empty() || base == "." || shown.is_absolute() ? shown : base / shown;
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      add_folder(path, shown, filter, out);
    } else {
      add_file(path, shown.string(), true, path.filename().string(), filter.archive_name_encoding, out);
    }
  }
  return out;
}

}  // namespace dcmflow::convert
