#pragma once
// What `convert` and `transcode` share: inputs, output folder, codec and threads on the
// command line; running the batch; the summary, the report and the exit code.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "convert/convert_batch.hpp"

namespace dcmflow::cli {

struct batch_arguments {
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path output;
  std::string codec = "none";
  int threads = 0;
  std::string uid_root = "2.25";
  std::string uid_namespace = "dcmflow";
  convert::input_filter filter;  // --include / --exclude, for folders
  std::uint64_t max_entry_bytes = 2ULL << 30;
};

void add_batch_options(CLI::App& command, batch_arguments& args, std::string_view inputs_help);

using batch_job = std::vector<item_record> (*)(std::span<const convert::input_file>,
                                               const convert::batch_options&, const convert::item_finished&);

// Resolves the codec, runs `job` over the inputs, writes OUTDIR/report.json, prints a
// summary; returns the exit code.
[[nodiscard]] int run_batch_command(std::string_view command_name, const batch_arguments& args,
                                    convert::batch_options options, batch_job job);

}  // namespace dcmflow::cli
