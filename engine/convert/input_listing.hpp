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

// Folders are walked recursively (hidden entries skipped) and sorted by path, so two runs
// see the same order. A path that does not exist is still listed: it fails as an item.
[[nodiscard]] std::vector<input_file> list_inputs(std::span<const std::filesystem::path> named);

}  // namespace dcmflow::convert
