#pragma once
// `dcmflow store FILE_OR_DIR... --to URL [--associations N] [--transcode POLICY]` and
// `dcmflow echo URL`.

#include <CLI/CLI.hpp>

#include <functional>

#include "send/send_files.hpp"

namespace dcmflow::cli {

// `decoder` serves destinations that refuse a file's transfer syntax (--transcode).
[[nodiscard]] std::function<int()> add_store_command(CLI::App& app, send::uncompressed_decoder decoder);
[[nodiscard]] std::function<int()> add_echo_command(CLI::App& app);

}  // namespace dcmflow::cli
