#pragma once
// What the two programs behind `dcmflow` share of their command line: the app's settings,
// usage errors in one line that names what was wrong, and the exit codes of exit_codes.hpp
// for whatever escapes a command.

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace dcmflow::cli {

// Pages are tens of megabytes: above glibc's largest mmap threshold (32 MiB) every such
// buffer would be mapped, faulted in page by page, zeroed and unmapped again, item after
// item (a third of the run's time on documents). Kept in the heap instead, freed pages are
// reused; the engine's limits bound how much that can be.
void keep_large_buffers_in_the_heap();

// Names are UTF-8 here whatever the caller's locale: libarchive hands out entry names in
// the locale's character set, and under LANG=C (cron, containers, a bare machine) a Chinese
// or accented name has none, so "报告/胸部CT.png" came out empty. Character classification
// only (LC_CTYPE): messages, numbers and dates stay as they were.
void read_names_as_utf8();

// Everything dcmflow writes holds patient data or describes it (DICOM files, journals,
// reports, hand-over lists, scratch copies): created for its owner alone, files 0600 and
// folders 0700, whatever the caller's umask allowed.
void keep_what_we_write_private();

// What both programs set up before anything else, process-wide: the three above.
void start_process();

// The program's name, description, --version and error style.
void configure_app(CLI::App& app);

// Parses, then runs the one command parsed (each of `commands` returns -1 when it was not
// the one). `before_running` runs between the two (libraries the command needs).
[[nodiscard]] int parse_and_run(CLI::App& app, int argc, char** argv, const std::vector<std::function<int()>>& commands,
                                const std::function<void(CLI::App&)>& before_running = {});

}  // namespace dcmflow::cli
