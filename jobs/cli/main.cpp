// dcmflow-all: every dcmflow command. `dcmflow` (front_main.cpp) runs `store` and `echo`
// itself and hands every other command line to this program.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/bench_command.hpp"
#include "cli/capabilities_command.hpp"
#include "cli/codecs_command.hpp"
#include "cli/command_line.hpp"
#include "cli/command_table.hpp"
#include "cli/convert_command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/preview_command.hpp"
#include "cli/query_command.hpp"
#include "cli/run_command.hpp"
#include "cli/store_command.hpp"
#include "cli/ups_command.hpp"
#include "cli/validate_command.hpp"
#include "cli/work_command.hpp"
#include "core/process_runtime.hpp"
#include "dicom/dicom_reader.hpp"
#include "raster/image_loader.hpp"

namespace {

// The first command registered here that command_table.hpp does not list, or the reverse.
std::optional<std::string> commands_not_in_the_table(const CLI::App& app) {
  const auto registered = app.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* command : registered) {
    if (dcmflow::cli::find_command(command->get_name()) == nullptr) return command->get_name();
  }
  for (const auto& entry : dcmflow::cli::command_table) {
    const bool found =
        std::ranges::any_of(registered, [&](const CLI::App* command) { return command->get_name() == entry.name; });
    if (!found) return std::string(entry.name);
  }
  return std::nullopt;
}

int run_program(int argc, char** argv) {
  using namespace dcmflow::cli;
  CLI::App app;
  configure_app(app);
  const std::vector<std::function<int()>> commands = {
      add_run_command(app),       add_status_command(app),
      add_verify_command(app),    add_convert_command(app),
      add_transcode_command(app), add_store_command(app, dcmflow::dicom::read_uncompressed_part10),
      add_echo_command(app),      add_query_command(app),
      add_fetch_command(app),     add_preview_command(app),
      add_codecs_command(app),    add_bench_command(app),
      add_validate_command(app),  add_capabilities_command(app),
      add_ups_command(app),       add_work_command(app)};

  if (const auto drift = commands_not_in_the_table(app)) {
    std::cerr << "dcmflow: internal error: command table and commands differ at '" << *drift << "'\n";
    return exit_fatal;
  }

  // Commands that only move or look up DICOM skip libvips' start (~20 ms: modules, timers).
  std::optional<dcmflow::raster::vips_runtime> vips;
  return parse_and_run(app, argc, argv, commands, [&](CLI::App& parsed) {
    const bool makes_pixels = std::ranges::any_of(command_table, [&](const command_entry& command) {
      return command.makes_pixels && parsed.got_subcommand(std::string(command.name));
    });
    if (makes_pixels) vips.emplace(argv[0]);
  });
}

}  // namespace

int main(int argc, char** argv) {
  return dcmflow::cli::run_guarded([&] {
    dcmflow::set_up_process_runtime();
    return run_program(argc, argv);
  });
}
