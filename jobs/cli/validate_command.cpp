#include "cli/validate_command.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "cli/exit_codes.hpp"
#include "convert/input_listing.hpp"
#include "dicom/validation.hpp"
#include "isolate/contained_decoder.hpp"

namespace dcmflow::cli {
namespace {

int run_validate(const std::vector<std::filesystem::path>& inputs) {
  std::size_t files = 0;
  std::size_t with_problems = 0;
  // Files are parsed in a helper: one that crashes the parser is reported unreadable, alone.
  isolate::decode_limits one_helper;
  one_helper.helpers = 1;
  isolate::contained_decoder decoder(one_helper);
  for (const convert::input_file& input : convert::list_inputs(inputs)) {
    // In a folder, files that are not DICOM (report.json, notes) are not what was asked about.
    if (!input.named_directly && !dicom::has_dicom_preamble(input.path)) continue;
    ++files;
    const dicom::validation_report report = decoder.validate_file(input.path);
    if (report.problems.empty()) continue;
    ++with_problems;
    for (const auto& problem : report.problems) {
      if (!report.readable) {
        std::cout << input.name << ": " << problem.message << '\n';
        continue;
      }
      char tag[16];
      std::snprintf(tag, sizeof tag, "(%04X,%04X)", problem.tag.group, problem.tag.element);
      std::cout << input.name << ": " << tag << ' ' << (problem.keyword.empty() ? "?" : problem.keyword) << ": "
                << problem.message << '\n';
    }
  }
  std::cout << "validate: " << files - with_problems << " of " << files << " files without problems\n";
  return with_problems > 0 ? exit_items_failed : exit_ok;
}

}  // namespace

std::function<int()> add_validate_command(CLI::App& app) {
  auto inputs = std::make_shared<std::vector<std::filesystem::path>>();
  CLI::App* command = app.add_subcommand(
      "validate", "Check DICOM files: every value against its VR, and the attributes their IOD requires");
  command->add_option("inputs", *inputs, "DICOM files or folders")->required();
  return [command, inputs] { return command->parsed() ? run_validate(*inputs) : -1; };
}

}  // namespace dcmflow::cli
