#pragma once
// What the two programs behind `dcmflow` share of their command line: the app's settings,
// usage errors in one line that names what was wrong, and the exit codes of exit_codes.hpp
// for whatever escapes a command.

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace dcmflow::cli {

// The program's name, description, --version and error style.
void configure_app(CLI::App& app);

// Parses, then runs the one command parsed (each of `commands` returns -1 when it was not
// the one). `before_running` runs between the two (libraries the command needs).
[[nodiscard]] int parse_and_run(CLI::App& app, int argc, char** argv, const std::vector<std::function<int()>>& commands,
                                const std::function<void(CLI::App&)>& before_running = {});

// Runs a program's body; what escapes it is a bug of dcmflow's (errors are values): said on
// stderr as an internal error with exit_fatal, not an abort.
[[nodiscard]] int run_guarded(const std::function<int()>& program) noexcept;

}  // namespace dcmflow::cli
