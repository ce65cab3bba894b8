#include "cli/convert_command.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/batch_runner.hpp"
#include "cli/exit_codes.hpp"
#include "dicom/attribute.hpp"

namespace dcmflow::cli {
namespace {

struct convert_arguments {
  batch_arguments batch;
  std::vector<std::string> assignments;
};

int run_convert(const convert_arguments& args) {
  convert::batch_options options;
  for (const auto& text : args.assignments) {
    auto assignment = dicom::parse_assignment(text);
    if (!assignment) {
      std::cerr << "dcmflow convert: --set " << text << ": " << assignment.error().message << '\n';
      return exit_usage;
    }
    options.attributes.push_back(std::move(assignment).value());
  }
  return run_batch_command("convert", args.batch, std::move(options), convert::convert_images);
}

}  // namespace

std::function<int()> add_convert_command(CLI::App& app) {
  auto args = std::make_shared<convert_arguments>();
  CLI::App* command = app.add_subcommand("convert", "Convert images into DICOM Part 10 files");
  add_batch_options(*command, args->batch, "Image files or folders (searched recursively)");
  command->add_option("--set", args->assignments,
                      "Set an attribute by its DICOM keyword, e.g. --set PatientID=123 (repeatable)");
  return [command, args] { return command->parsed() ? run_convert(*args) : -1; };
}

std::function<int()> add_transcode_command(CLI::App& app) {
  auto args = std::make_shared<batch_arguments>();
  CLI::App* command = app.add_subcommand(
      "transcode", "Recompress existing DICOM files, keeping every other attribute (multi-frame stays multi-frame)");
  add_batch_options(*command, *args, "DICOM files or folders (searched recursively)");
  return [command, args] {
    return command->parsed() ? run_batch_command("transcode", *args, {}, convert::transcode_files) : -1;
  };
}

}  // namespace dcmflow::cli
