#pragma once
// Output file names: the input's stem plus ".dcm", made unique within one run in input
// order (`scan.dcm`, `scan-2.dcm`), so that the same inputs always give the same names.

#include <filesystem>
#include <span>
#include <vector>

#include "convert/input_listing.hpp"

namespace dcmflow::convert {

[[nodiscard]] std::vector<std::filesystem::path> name_outputs(std::span<const input_file> inputs);

}  // namespace dcmflow::convert
