#pragma once
// `dcmflow work URL`: perform import workitems of a UPS-RS worklist (job/performer.hpp).

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_work_command(CLI::App& app);

}  // namespace dcmflow::cli
