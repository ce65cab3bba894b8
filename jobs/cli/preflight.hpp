#pragma once
// `dcmflow run JOB --preflight`: the whole job checked before any pixel is encoded. Every
// manifest row validated, every input found and its kind recognised (from headers only),
// inputs no row names and rows naming no input listed, destinations echoed; then what the
// run would do: counts by kind and the estimated pages. Exit 0 when nothing is wrong, 1
// when some items would fail.

#include <iosfwd>
#include <string>
#include <unordered_map>

#include "job/job_plan.hpp"
#include "journal/journal.hpp"

namespace dcmflow::cli {

[[nodiscard]] int run_preflight(const job::job_plan& plan,
                                const std::unordered_map<std::string, journal::finished_item>& finished,
                                std::ostream& out);

}  // namespace dcmflow::cli
