#pragma once
// `dcmflow validate FILE.dcm...`: VRs and required attributes; exit 1 when anything is wrong.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_validate_command(CLI::App& app);

}  // namespace dcmflow::cli
