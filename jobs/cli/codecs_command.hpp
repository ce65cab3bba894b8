#pragma once
// `dcmflow codecs`: every codec, its transfer syntax, and what it accepts.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_codecs_command(CLI::App& app);

}  // namespace dcmflow::cli
