// dcmflow-all: every dcmflow command. `dcmflow` (front_main.cpp) runs `store` and `echo`
// itself and hands every other command line to this program.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <vector>

#include "cli/bench_command.hpp"
#include "cli/capabilities_command.hpp"
#include "cli/codecs_command.hpp"
#include "cli/command_line.hpp"
#include "cli/convert_command.hpp"
#include "cli/preview_command.hpp"
#include "cli/query_command.hpp"
#include "cli/run_command.hpp"
#include "cli/store_command.hpp"
#include "cli/ups_command.hpp"
#include "cli/validate_command.hpp"
#include "cli/work_command.hpp"
#include "dicom/dicom_reader.hpp"
#include "raster/image_loader.hpp"

int main(int argc, char** argv) {
  using namespace dcmflow::cli;
  keep_large_buffers_in_the_heap();
  read_names_as_utf8();
  keep_what_we_write_private();
  CLI::App app{"dcmflow: turns archives of reports and images into DICOM and loads them into a PACS",
               "dcmflow"};
  configure_app(app);
  const std::vector<std::function<int()>> commands = {
      add_run_command(app),     add_status_command(app),  add_verify_command(app),
      add_convert_command(app), add_transcode_command(app),
      add_store_command(app, dcmflow::dicom::read_uncompressed_part10),
      add_echo_command(app),    add_query_command(app),   add_fetch_command(app),
      add_preview_command(app), add_codecs_command(app),  add_bench_command(app),
      add_validate_command(app), add_capabilities_command(app), add_ups_command(app),
      add_work_command(app)};

  // Commands that only move or look up DICOM skip libvips' start (~20 ms: modules, timers).
  std::optional<dcmflow::raster::vips_runtime> vips;
  return parse_and_run(app, argc, argv, commands, [&](CLI::App& parsed) {
    const bool without_pixels_to_load = std::ranges::any_of(
        std::array{"store", "echo", "query", "status", "verify", "codecs", "capabilities", "ups", "work"},
        [&](const char* name) { return parsed.got_subcommand(name); });
    if (!without_pixels_to_load) vips.emplace(argv[0]);
  });
}
