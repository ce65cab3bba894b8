#pragma once
// Output file names: the input's stem plus ".dcm", made unique within one run in input
// order (`scan.dcm`, `scan-2.dcm`), so that the same inputs always give the same names.

#include <filesystem>
#include <span>
#include <vector>

#include "convert/input_listing.hpp"

namespace dcmflow::convert {

[[nodiscard]] std::vector<std::filesystem::path> name_outputs(std::span<const input_file> inputs);

// Where instance `index` (from 0) made from one input goes: the item's name when it is the
// input's only instance; otherwise a folder named after the item (which no other item's
// `.dcm` name can take) holding `<stem>-0001.dcm`, `<stem>-0002.dcm`...
[[nodiscard]] std::filesystem::path instance_output(const std::filesystem::path& item_name, std::size_t index,
                                                    bool only_instance);

}  // namespace dcmflow::convert
