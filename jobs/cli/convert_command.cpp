#include "cli/convert_command.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <dcmflow/codecs/registry.hpp>

#include "cli/exit_codes.hpp"
#include "convert/convert_batch.hpp"
#include "convert/input_listing.hpp"
#include "dicom/attribute.hpp"
#include "report/report_json.hpp"

namespace dcmflow::cli {
namespace {

struct convert_arguments {
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path output;
  std::vector<std::string> assignments;
  std::string codec = "none";
  int threads = 0;
};

int run_convert(const convert_arguments& args) {
  convert::batch_options options;
  options.output_folder = args.output;
  for (const auto& text : args.assignments) {
    auto assignment = dicom::parse_assignment(text);
    if (!assignment) {
      std::cerr << "dcmflow convert: --set " << text << ": " << assignment.error().message << '\n';
      return exit_usage;
    }
    options.attributes.push_back(std::move(assignment).value());
  }

  std::error_code error;
  options.codec = codecs::make_codec(args.codec, error);
  if (!options.codec) {
    std::cerr << "dcmflow convert: --codec " << args.codec << ": " << error.message() << '\n';
    return exit_usage;
  }
  std::filesystem::create_directories(args.output, error);
  if (error) {
    std::cerr << "dcmflow convert: cannot create output folder " << args.output << ": "
              << error.message() << '\n';
    return exit_fatal;
  }

  std::optional<tbb::global_control> thread_limit;
  if (args.threads > 0) {
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism,
                         static_cast<std::size_t>(args.threads));
  }

  const auto started = std::chrono::system_clock::now();
  const std::vector<convert::input_file> inputs = convert::list_inputs(args.inputs);
  const std::vector<item_record> records =
      convert::convert_images(inputs, options, [](const item_record& record) {
        if (record.status == item_status::failed) {
          std::cerr << record.input << ": " << record.error << '\n';
        }
      });
  const auto finished = std::chrono::system_clock::now();

  const std::filesystem::path report_file = args.output / "report.json";
  if (auto written = report::write_report_json(report_file, records, {started, finished}); !written) {
    std::cerr << "dcmflow convert: " << written.error().message << '\n';
    return exit_fatal;
  }

  std::size_t failed = 0;
  std::size_t outputs = 0;
  for (const auto& record : records) {
    failed += record.status == item_status::failed ? 1 : 0;
    outputs += record.outputs.size();
  }
  std::cout << "converted " << records.size() - failed << " of " << records.size() << " inputs into "
            << outputs << " DICOM files in " << args.output.string();
  if (failed > 0) std::cout << " (" << failed << " failed)";
  std::cout << "\nreport: " << report_file.string() << '\n';
  return failed > 0 ? exit_items_failed : exit_ok;
}

}  // namespace

std::function<int()> add_convert_command(CLI::App& app) {
  auto args = std::make_shared<convert_arguments>();
  CLI::App* command = app.add_subcommand("convert", "Convert images into DICOM Part 10 files");
  command->add_option("inputs", args->inputs, "Image files or folders (searched recursively)")
      ->required();
  command->add_option("-o,--output", args->output, "Output folder (created if missing)")->required();
  command->add_option("--set", args->assignments,
                      "Set an attribute by its DICOM keyword, e.g. --set PatientID=123 (repeatable)");
  command->add_option("--codec", args->codec,
                      "Pixel compression: none, deflate, rle, jpegls, jpegls-near:N, j2k, j2k:RATIO, "
                      "htj2k, htj2k:RATIO, jpeg:Q (see dcmflow codecs)")
      ->default_str("none");
  command->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  return [command, args] { return command->parsed() ? run_convert(*args) : -1; };
}

}  // namespace dcmflow::cli
