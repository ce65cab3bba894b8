#pragma once
// Scratch folders of a run: under the temporary directory, named after the process
// ("dcmflow-entries-4242"), so that the folders of a run that was killed (SIGKILL leaves no
// time to clean up) are found by the next one and removed.

#include <filesystem>
#include <string_view>

namespace dcmflow {

// TMPDIR/dcmflow-<kind>-<pid>, or TMPDIR/dcmflow-<pid> for an empty kind. Not created.
[[nodiscard]] std::filesystem::path run_scratch_folder(std::string_view kind);

// Removes every run scratch folder whose process no longer exists.
void remove_scratch_of_dead_runs();

}  // namespace dcmflow
