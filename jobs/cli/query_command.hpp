#pragma once
// `dcmflow query URL [--level study|series|instance] [--PatientID X] [--PatientName 'SMITH*']
//  [--StudyDate 20130509-20130510] [--AccessionNumber X] [--limit N] [--json]`

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_query_command(CLI::App& app);

}  // namespace dcmflow::cli
