#pragma once
// What `convert` and `transcode` share: inputs, output folder, codec and threads on the
// command line; running the batch; the summary, the report and the exit code.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "convert/input_listing.hpp"
#include "graph/pipeline.hpp"

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
  std::uint64_t max_expansion_ratio = convert::archive_limits{}.max_expansion_ratio;
  std::uint64_t decode_memory_mb = isolate::decode_limits{}.memory_bytes >> 20;  // per decode helper
  int decode_timeout_s = static_cast<int>(isolate::decode_limits{}.time.count());
  std::uint64_t max_document_mb = office::document_limits{}.max_expanded_bytes >> 20;
  std::uint64_t max_document_xml_mb = office::document_limits{}.max_xml_bytes >> 20;
};

void add_batch_options(CLI::App& command, batch_arguments& args, std::string_view inputs_help);

// Resolves the codec, runs the engine over the inputs into the output folder, writes
// OUTDIR/report.json, prints a summary; returns the exit code.
[[nodiscard]] int run_batch_command(std::string_view command_name, const batch_arguments& args,
                                    graph::pipeline_options options);

}  // namespace dcmflow::cli
