#pragma once
// What `convert` and `transcode` share: inputs, output folder, codec, limits and threads on
// the command line, written into the job spec `run` reads from a job file (job_file.hpp) and
// planned as `run` plans it (job::settings_of); running the batch; the summary, the report
// and the exit code.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "convert/archive_reader.hpp"
#include "convert/input_listing.hpp"
#include "isolate/contained_decoder.hpp"
#include "job/job_file.hpp"
#include "office/document_inspection.hpp"

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

// The spec of a batch: its inputs, the output folder as its one destination, its codec,
// limits and UIDs. The command adds its own settings.
[[nodiscard]] job::job_spec spec_of(const batch_arguments& args, std::string mode);

// Plans the spec (a usage error when a setting is wrong), runs the engine over its inputs
// into the output folder, writes OUTDIR/report.json, prints a summary; returns the exit code.
[[nodiscard]] int run_batch_command(std::string_view command_name, const job::job_spec& spec,
                                    const std::filesystem::path& output);

}  // namespace dcmflow::cli
