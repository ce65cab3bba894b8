#pragma once
// Turns what the user named (files and folders) into a stable, sorted list of input files.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace dcmflow::convert {

struct input_file {
  std::filesystem::path path;  // to open
  std::string name;            // to show: the path as given, or below the folder given
  bool named_directly = true;  // false: found by walking a folder the user named
};

// Which files of a walked folder are taken: globs on the path below the folder named
// (`*.pdf`, `2019/**`-style `*` matching across '/'), include first, then exclude. Files
// named directly are always taken.
struct input_filter {
  std::vector<std::string> include;  // empty: every file
  std::vector<std::string> exclude;
};

// Folders are walked recursively (hidden entries skipped) and sorted by path, so two runs
// see the same order. A path that does not exist is still listed: it fails as an item.
[[nodiscard]] std::vector<input_file> list_inputs(std::span<const std::filesystem::path> named,
                                                  const input_filter& filter = {});

}  // namespace dcmflow::convert
