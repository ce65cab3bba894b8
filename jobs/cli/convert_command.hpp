#pragma once
// `dcmflow convert INPUT... -o OUTDIR [--set Keyword=Value]...`

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

// Registers the subcommand; the returned function runs it after parsing.
[[nodiscard]] std::function<int()> add_convert_command(CLI::App& app);

}  // namespace dcmflow::cli
