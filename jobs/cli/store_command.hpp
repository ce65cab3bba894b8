#pragma once
// `dcmflow store FILE_OR_DIR... --to URL [--associations N] [--transcode POLICY]` and
// `dcmflow echo URL`.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_store_command(CLI::App& app);
[[nodiscard]] std::function<int()> add_echo_command(CLI::App& app);

}  // namespace dcmflow::cli
