#pragma once
// Archives (.zip, .tar, .tar.gz/.tgz, .tar.xz/.txz, .tar.bz2, .7z) through libarchive, one
// entry at a time: listing reads headers only, and an entry is extracted alone when its
// item runs, so the archive is never unpacked whole. Entries whose path leaves the archive
// (absolute, "..") are refused (zip-slip), links are not followed, and sizes are bounded
// against decompression bombs.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "convert/input_listing.hpp"
#include "core/result.hpp"

namespace dcmflow::convert {

// Entries listed from one archive: each becomes an item held in memory until the run ends.
inline constexpr std::size_t max_archive_entries = 1'000'000;

struct archive_limits {
  std::uint64_t max_entry_bytes = 2ULL << 30;   // --max-entry-bytes
  std::uint64_t max_total_bytes = 64ULL << 30;  // everything extracted in one run
  // Bytes out per byte of archive read, once an entry passes 64 MiB. Deflate cannot pass
  // about 1032:1, so no zip of real files trips it; bzip2 and xz bombs of gigabytes do.
  std::uint64_t max_expansion_ratio = 2000;  // --max-expansion-ratio
};

[[nodiscard]] bool is_archive(const std::filesystem::path& file);

// Is this a code page archive names can be decoded from ("CP437", "GBK", "CP1252"...)?
[[nodiscard]] bool is_known_name_encoding(const std::string& code_page);

// One input per regular entry, named "archive.zip!path/inside"; entries refused at listing
// carry their reason in `problem`. Fails when the archive itself cannot be read.
// Entry names come out in UTF-8: as the archive declares them (zip's UTF-8 flag, or its
// Info-ZIP Unicode Path field), else their bytes when those are valid UTF-8, else decoded
// from `legacy_name_encoding` (an iconv name: CP437, GBK...).
[[nodiscard]] result<std::vector<input_file>> list_archive(const std::filesystem::path& file, const std::string& name,
                                                           const std::string& legacy_name_encoding = "CP437");

// Writes an entry's bytes to `target`, within the limits (`extracted` counts the run's total).
[[nodiscard]] result<void> extract_entry(const input_file& wanted, const std::filesystem::path& target,
                                         const archive_limits& limits, std::atomic<std::uint64_t>& extracted);

}  // namespace dcmflow::convert
