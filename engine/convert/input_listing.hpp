#pragma once
// Turns what the user named (files and folders) into a stable, sorted list of input files.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace dcmflow::convert {

struct input_file {
  std::filesystem::path path;  // to open (for an archive entry: the archive)
  std::string name;            // to show: the path as given, or "archive.zip!inside/path"
  bool named_directly = true;  // false: found by walking a folder the user named
  std::string entry;           // the path inside the archive; empty for a plain file
  std::size_t entry_index = 0;
  std::string problem;  // why this input is refused before any work (zip-slip...)
  // Names the input wherever the archive is mounted and however the job names its folder:
  // the folder's own name and the path below it ("2019/scans/a.png"), a named file's name,
  // then "!entry" for an archive entry. Part of what its UIDs derive from (dicom/identity).
  std::string identity;
};

// Which files of a walked folder are taken: globs on the path below the folder named
// (`*.pdf`, `2019/**`-style `*` matching across '/'), include first, then exclude. Files
// named directly are always taken.
struct input_filter {
  std::vector<std::string> include;  // empty: every file
  std::vector<std::string> exclude;
  // Archive entry names the archive does not mark as UTF-8, and that are not valid UTF-8,
  // are in this code page (iconv's name): CP437 by the zip specification; GBK (CP936) is
  // what Chinese Windows writes (--archive-encoding gbk).
  std::string archive_name_encoding = "CP437";
};

// Folders are walked recursively (hidden entries skipped) and sorted by path, so two runs
// see the same order; archives are listed entry by entry. A path that does not exist is
// still listed: it fails as an item. Relative paths are opened under `base` (a job file's
// folder) and named as given.
[[nodiscard]] std::vector<input_file> list_inputs(std::span<const std::filesystem::path> named,
                                                  const input_filter& filter = {},
                                                  const std::filesystem::path& base = {});

}  // namespace dcmflow::convert
