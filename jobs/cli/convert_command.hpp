#pragma once
// `dcmflow convert INPUT... -o OUTDIR [--set Keyword=Value]... [--codec NAME]` and
// `dcmflow transcode INPUT.dcm... -o OUTDIR --codec NAME`.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

// Each registers its subcommand; the returned function runs it after parsing (-1: not chosen).
[[nodiscard]] std::function<int()> add_convert_command(CLI::App& app);
[[nodiscard]] std::function<int()> add_transcode_command(CLI::App& app);

}  // namespace dcmflow::cli
