#pragma once
// `dcmflow run JOB.yaml [--threads N] [--shard I/N] [--retry-failed] [--preflight]` and
// `dcmflow status JOB.yaml [--shard I/N]` and `dcmflow verify JOB.yaml [--shard I/N]`.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_run_command(CLI::App& app);
[[nodiscard]] std::function<int()> add_status_command(CLI::App& app);
[[nodiscard]] std::function<int()> add_verify_command(CLI::App& app);

}  // namespace dcmflow::cli
