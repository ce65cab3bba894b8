#include "convert/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <memory>
#include <string_view>

#include "core/utf8.hpp"

namespace dcmflow::convert {
namespace {

struct archive_deleter {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
using archive_ptr = std::unique_ptr<archive, archive_deleter>;

// libarchive's reason, which may be absent (a null string).
std::string reason_of(archive* handle) {
  const char* text = archive_error_string(handle);
  return text != nullptr ? text : "the archive ends early or is damaged";
}

result<archive_ptr> open_archive(const std::filesystem::path& file) {
  archive_ptr handle(archive_read_new());
  archive_read_support_filter_all(handle.get());
  archive_read_support_format_all(handle.get());
  if (archive_read_open_filename(handle.get(), file.c_str(), 1 << 16) != ARCHIVE_OK) {
    return failure{"cannot read archive: " + reason_of(handle.get())};
  }
  return handle;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Bytes in a legacy code page to UTF-8 (glibc's iconv); empty when they are not in it.
std::string from_code_page(std::string_view bytes, const std::string& code_page) {
  iconv_t convert = iconv_open("UTF-8", code_page.c_str());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,performance-no-int-to-ptr): iconv's error value
  if (convert == reinterpret_cast<iconv_t>(-1)) return {};
  std::string out(bytes.size() * 4 + 4, '\0');
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): iconv's signature; it only reads
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char* to = out.data();
  std::size_t out_left = out.size();
  const std::size_t done = iconv(convert, &in, &in_left, &to, &out_left);
  iconv_close(convert);
  if (done == static_cast<std::size_t>(-1) || in_left != 0) return {};
  out.resize(out.size() - out_left);
  return out;
}

// An entry's name in UTF-8 (see list_archive); empty when it cannot be read.
std::string entry_name(archive_entry* entry, const std::string& legacy_name_encoding) {
  if (const char* declared = archive_entry_pathname_utf8(entry); declared != nullptr && utf8_length(declared)) {
    return declared;
  }
  const char* raw = archive_entry_pathname(entry);
  if (raw == nullptr) return {};
  if (utf8_length(raw)) return raw;
  return from_code_page(raw, legacy_name_encoding);
}

bool leaves_archive(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find(":\\") != std::string::npos) return true;
  for (const auto& part : std::filesystem::path(path)) {
    if (part == "..") return true;
  }
  return false;
}

}  // namespace

bool is_archive(const std::filesystem::path& file) {
  const std::string name = lower(file.filename().string());
  static constexpr std::array<std::string_view, 9> endings = {".zip", ".tar",     ".tar.gz", ".tgz", ".tar.xz",
                                                              ".txz", ".tar.bz2", ".tbz2",   ".7z"};
  return std::any_of(endings.begin(), endings.end(), [&](std::string_view ending) {
    return name.size() > ending.size() && name.compare(name.size() - ending.size(), ending.size(), ending) == 0;
  });
}

bool is_known_name_encoding(const std::string& code_page) {
  iconv_t convert = iconv_open("UTF-8", code_page.c_str());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,performance-no-int-to-ptr): iconv's error value
  if (convert == reinterpret_cast<iconv_t>(-1)) return false;
  iconv_close(convert);
  return true;
}

result<std::vector<input_file>> list_archive(const std::filesystem::path& file, const std::string& name,
                                             const std::string& legacy_name_encoding) {
  auto handle = open_archive(file);
  if (!handle) return handle.error();
  std::vector<input_file> entries;
  archive_entry* entry = nullptr;
  std::size_t index = 0;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(handle->get(), &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
    if (index == max_archive_entries) {
      entries.push_back({file,
                         name + "!",
                         true,
                         "",
                         index,
                         "the archive holds more than " + std::to_string(max_archive_entries) +
                             " entries: the rest is not listed (split the archive)",
                         {}});
      return entries;
    }
    const std::string path = entry_name(entry, legacy_name_encoding);
    const auto type = archive_entry_filetype(entry);
    const bool link = archive_entry_symlink(entry) != nullptr || archive_entry_hardlink(entry) != nullptr;
    if (type == AE_IFDIR) {
      ++index;
      continue;
    }
    input_file item{file, name + "!" + path, true, path, index, {}, {}};
    if (path.empty()) {
      item.name = name + "!#" + std::to_string(index + 1);
      item.problem = "the entry's name cannot be read as " + legacy_name_encoding + " (give --archive-encoding)";
    } else if (leaves_archive(path)) {
      item.problem = "refused: the entry's path leaves the archive (zip-slip)";
    } else if (link || type != AE_IFREG) {
      item.problem = "refused: links and special files in archives are not followed";
    } else if (is_archive(path)) {
      item.problem = "a nested archive: extract it and convert what it holds";
    }
    entries.push_back(std::move(item));
    ++index;
    archive_read_data_skip(handle->get());
  }
  if (status != ARCHIVE_EOF) {
    // A damaged archive: what was listed is kept, the rest is named as one failed item.
    entries.push_back({file,
                       name + "!",
                       true,
                       "",
                       index,
                       std::string("cannot read the rest of the archive: ") + reason_of(handle->get()),
                       {}});
  }
  if (entries.empty()) {
    // Nothing to convert is not success: the archive named fails, with why.
    entries.push_back(
        {file,
         name,
         true,
         "",
         0,
         index == 0 ? "empty archive: no entries (or an empty file)" : "an archive of folders only: no files",
         {}});
  }
  return entries;
}

result<void> extract_entry(const input_file& wanted, const std::filesystem::path& target, const archive_limits& limits,
                           std::atomic<std::uint64_t>& extracted) {
  auto handle = open_archive(wanted.path);
  if (!handle) return handle.error();
  archive_entry* entry = nullptr;
  for (std::size_t index = 0;; ++index) {
    const int status = archive_read_next_header(handle->get(), &entry);
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return failure{std::string("cannot read the archive entry: ") + reason_of(handle->get())};
    }
    if (index == wanted.entry_index) break;
    archive_read_data_skip(handle->get());
  }
  if (archive_entry_is_encrypted(entry) != 0) return failure{"the archive entry is encrypted"};
  if (archive_entry_size_is_set(entry) != 0 &&
      static_cast<std::uint64_t>(archive_entry_size(entry)) > limits.max_entry_bytes) {
    return failure{"the archive entry is larger than --max-entry-bytes (" + std::to_string(limits.max_entry_bytes) +
                   ")"};
  }
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  std::array<char, 1 << 16> block{};
  std::uint64_t written = 0;
  const auto read_before = static_cast<std::uint64_t>(archive_filter_bytes(handle->get(), -1));
  constexpr std::uint64_t ratio_checked_from = 64ULL << 20;
  while (true) {
    const la_ssize_t n = archive_read_data(handle->get(), block.data(), block.size());
    if (n == 0) break;
    if (n < 0) return failure{std::string("cannot read the archive entry: ") + reason_of(handle->get())};
    written += static_cast<std::uint64_t>(n);
    // The header's size may lie (or be absent): count what really comes out.
    if (written > limits.max_entry_bytes) {
      return failure{"the archive entry inflates past --max-entry-bytes (" + std::to_string(limits.max_entry_bytes) +
                     "): a decompression bomb?"};
    }
    if (written > ratio_checked_from) {
      const auto read = static_cast<std::uint64_t>(archive_filter_bytes(handle->get(), -1)) - read_before;
      if (written / std::max<std::uint64_t>(read, 1) > limits.max_expansion_ratio) {
        return failure{"the archive entry expands more than " + std::to_string(limits.max_expansion_ratio) +
                       " times (--max-expansion-ratio): a decompression bomb?"};
      }
    }
    if (extracted.fetch_add(static_cast<std::uint64_t>(n)) + static_cast<std::uint64_t>(n) > limits.max_total_bytes) {
      return failure{"the run has extracted more than its total limit from archives"};
    }
    out.write(block.data(), n);
  }
  if (!out.flush()) return failure{"cannot write the extracted entry"};
  return {};
}

}  // namespace dcmflow::convert
