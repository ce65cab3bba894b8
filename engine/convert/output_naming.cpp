#include "convert/output_naming.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_set>

namespace dcmflow::convert {
namespace {

// Keeps names portable across file systems: letters, digits, '-', '_' and '.'.
std::string portable_stem(const std::filesystem::path& input) {
  std::string stem = input.stem().string();
  for (char& c : stem) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80 && !std::isalnum(byte) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return stem.empty() ? std::string("image") : stem;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::vector<std::filesystem::path> name_outputs(std::span<const input_file> inputs) {
  std::vector<std::filesystem::path> names;
  names.reserve(inputs.size());
  std::unordered_set<std::string> taken;  // lower case: some file systems ignore case
  for (const auto& input : inputs) {
    const std::string stem = portable_stem(input.entry.empty() ? input.path : std::filesystem::path(input.entry));
    std::string name = stem + ".dcm";
    for (int n = 2; !taken.insert(lower(name)).second; ++n) {
      name = stem + "-" + std::to_string(n) + ".dcm";
    }
    names.emplace_back(name);
  }
  return names;
}

std::filesystem::path instance_output(const std::filesystem::path& item_name, std::size_t index, bool only_instance) {
  if (only_instance) return item_name;
  const std::string stem = item_name.stem().string();
  std::string number = std::to_string(index + 1);
  if (number.size() < 4) number.insert(0, 4 - number.size(), '0');
  return std::filesystem::path(stem) / (stem + "-" + number + ".dcm");
}

}  // namespace dcmflow::convert
