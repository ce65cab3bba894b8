#pragma once
// `dcmflow query URL [--level study|series|instance] [--PatientID X] [--PatientName 'SMITH*']
//  [--StudyDate 20130509-20130510] [--AccessionNumber X] [--limit N] [--json]` and
// `dcmflow fetch URL --study UID [--series UID] [--instance UID] -o DIR [--rendered]`

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_query_command(CLI::App& app);
[[nodiscard]] std::function<int()> add_fetch_command(CLI::App& app);

}  // namespace dcmflow::cli
