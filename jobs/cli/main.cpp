// dcmflow: the command-line front of the engine.

#include <CLI/CLI.hpp>

#include <malloc.h>

#include <algorithm>
#include <array>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <vector>

#include "cli/bench_command.hpp"
#include "cli/codecs_command.hpp"
#include "cli/convert_command.hpp"
#include "cli/preview_command.hpp"
#include "cli/query_command.hpp"
#include "cli/run_command.hpp"
#include "cli/store_command.hpp"
#include "cli/validate_command.hpp"
#include "cli/exit_codes.hpp"
#include "raster/image_loader.hpp"

#ifndef DCMFLOW_VERSION
#error "DCMFLOW_VERSION must be defined by the build"
#endif

namespace {

// One line that names what was wrong. CLI11 checks required arguments before it complains
// about unknown ones, which would hide a mistyped option behind "inputs is required".
std::string usage_error_text(CLI::App& app, const CLI::ParseError& error) {
  const std::vector<std::string> unexpected = app.remaining(true);
  if (!unexpected.empty()) {
    const std::string& first = unexpected.front();
    if (first.starts_with('-')) return "unknown option '" + first + "'";
    if (app.get_subcommands().empty()) return "unknown subcommand '" + first + "'";
    return "unexpected argument '" + first + "'";
  }
  return error.what();
}

}  // namespace

// Pages are tens of megabytes: above glibc's largest mmap threshold (32 MiB) every such
// buffer would be mapped, faulted in page by page, zeroed and unmapped again, item after
// item (a third of the run's time on documents). Kept in the heap instead, freed pages are
// reused; the engine's limits bound how much that can be.
namespace {
void keep_large_buffers_in_the_heap() {
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace dcmflow::cli;
  keep_large_buffers_in_the_heap();
  CLI::App app{"dcmflow: turns archives of reports and images into DICOM and loads them into a PACS",
               "dcmflow"};
  app.set_version_flag("--version", "dcmflow " DCMFLOW_VERSION);
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& error) {
    return std::string(error.what()) + " (see dcmflow --help)\n";
  });

  const std::vector<std::function<int()>> commands = {add_run_command(app), add_status_command(app), add_verify_command(app),
                                                      add_convert_command(app), add_transcode_command(app),
                                                      add_store_command(app), add_echo_command(app),
                                                      add_query_command(app), add_fetch_command(app), add_preview_command(app),
                                                      add_codecs_command(app), add_bench_command(app),
                                                      add_validate_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << "dcmflow: " << usage_error_text(app, error) << " (see dcmflow --help)\n";
    return exit_usage;
  }

  try {
    // Commands that only move or look up DICOM skip libvips' start (~20 ms: modules,
    // timers), which a store run of a few hundred files would otherwise pay.
    std::optional<dcmflow::raster::vips_runtime> vips;
    const bool without_pixels_to_load = std::ranges::any_of(
        std::array{"store", "echo", "query", "status", "verify", "codecs"},
        [&](const char* name) { return app.got_subcommand(name); });
    if (!without_pixels_to_load) vips.emplace(argv[0]);
    for (const auto& command : commands) {
      if (const int code = command(); code >= 0) return code;
    }
  } catch (const std::exception& error) {
    std::cerr << "dcmflow: fatal: " << error.what() << '\n';
    return exit_fatal;
  }
  return exit_usage;
}
