#pragma once
// `dcmflow bench INPUT... [--codecs LIST] [--threads N] [--format table|csv|json|html] [-o FILE]`

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_bench_command(CLI::App& app);

}  // namespace dcmflow::cli
