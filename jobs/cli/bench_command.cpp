#include "cli/bench_command.hpp"

#include <tbb/info.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/exit_codes.hpp"
#include "measure/codec_benchmark.hpp"
#include "measure/frame_source.hpp"
#include "report/bench_report.hpp"

namespace dcmflow::cli {
namespace {

struct bench_arguments {
  std::vector<std::filesystem::path> inputs;
  std::string codecs = "rle,jpegls,jpegls-near:2,j2k,j2k:10,htj2k,htj2k:10,jpeg:90,deflate";
  int threads = 0;
  std::string format = "table";
  std::filesystem::path output;
  double min_seconds = 0.3;
  bool encode_only = false;
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> parts;
  std::stringstream stream(list);
  for (std::string part; std::getline(stream, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// "2 cores, <CPU model>" from /proc/cpuinfo, for the record of where numbers came from.
std::string describe_machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::string model;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return std::to_string(std::thread::hardware_concurrency()) + " cores" + (model.empty() ? "" : ", " + model);
}

int run_bench(const bench_arguments& args) {
  const measure::loaded_frames loaded = measure::load_frames(args.inputs);
  for (const auto& failure : loaded.failures) std::cerr << failure << '\n';
  if (loaded.frames.empty()) {
    std::cerr << "dcmflow bench: no frames to measure\n";
    return exit_items_failed;
  }
  measure::benchmark_options options;
  options.codecs = split(args.codecs);
  options.threads = args.threads;
  options.min_seconds = args.min_seconds;
  options.encode_only = args.encode_only;
  std::string error;
  const auto results = measure::measure_codecs(loaded.frames, options, error);
  if (!error.empty()) {
    std::cerr << "dcmflow bench: " << error << '\n';
    return exit_usage;
  }

  report::bench_context context;
  context.frames = loaded.frames.size();
  for (const auto& frame : loaded.frames) context.raw_bytes += frame.info.bytes();
  context.threads = args.threads > 0 ? args.threads : tbb::info::default_concurrency();
  context.machine = describe_machine();

  // The table always goes to the terminal; --format chooses what -o receives.
  report::write_bench_table(std::cout, results, context);
  if (!args.output.empty() || args.format != "table") {
    std::ofstream file;
    if (!args.output.empty()) file.open(args.output, std::ios::trunc);
    std::ostream& out = args.output.empty() ? std::cout : file;
    if (args.format == "csv") report::write_bench_csv(out, results);
    if (args.format == "json") report::write_bench_json(out, results, context);
    if (args.format == "html") report::write_bench_html(out, results, context);
    if (args.format == "table" && !args.output.empty()) report::write_bench_table(out, results, context);
    if (!args.output.empty()) {
      if (!file) {
        std::cerr << "dcmflow bench: cannot write " << args.output << '\n';
        return exit_fatal;
      }
      std::cout << "\nreport: " << args.output.string() << '\n';
    }
  }
  return loaded.failures.empty() ? exit_ok : exit_items_failed;
}

}  // namespace

std::function<int()> add_bench_command(CLI::App& app) {
  auto args = std::make_shared<bench_arguments>();
  CLI::App* command = app.add_subcommand("bench", "Measure the codecs on your own images or DICOM files");
  command->add_option("inputs", args->inputs, "Images, DICOM files or folders")->required();
  command->add_option("--codecs", args->codecs, "Comma-separated codec specs (see dcmflow codecs)")
      ->capture_default_str();
  command->add_option("--threads", args->threads, "Threads for the all-threads columns (default: all cores)")
      ->check(CLI::Range(1, 1024));
  command->add_option("--format", args->format, "Format of -o (or of stdout after the table): table, csv, json, html")
      ->check(CLI::IsMember({"table", "csv", "json", "html"}))
      ->capture_default_str();
  command->add_option("-o,--output", args->output, "Write the report to this file");
  command->add_option("--min-seconds", args->min_seconds, "Time each measurement repeats for (median taken)")
      ->check(CLI::Range(0.0, 60.0))
      ->capture_default_str();
  command->add_flag("--encode-only", args->encode_only,
                    "Measure only encoding on all threads (the ceiling an end-to-end run is held against)");
  return [command, args] { return command->parsed() ? run_bench(*args) : -1; };
}

}  // namespace dcmflow::cli
