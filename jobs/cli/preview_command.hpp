#pragma once
// `dcmflow preview INPUT.dcm... -o OUT.png|OUT.jpg [--frame N] [--size WxH] [--window C,W] [--sheet]`

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_preview_command(CLI::App& app);

}  // namespace dcmflow::cli
