#pragma once
// Files installed beside the running program (its helpers, its other half): found from
// /proc/self/exe, never from the current folder.

#include <filesystem>
#include <string_view>

#include "core/result.hpp"

namespace dcmflow {

[[nodiscard]] result<std::filesystem::path> beside_this_program(std::string_view name);

}  // namespace dcmflow
