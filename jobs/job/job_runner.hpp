#pragma once
// Running a planned job against its journal: the inputs an earlier run died on first, one at
// a time, then the rest through the flow graph; verification and storage commitment when
// asked; the reports and hand-over lists at the end. What it has to say goes to a
// run_observer; the CLI (`dcmflow run`) parses, prints and turns the outcome into an exit
// code, and nothing here prints.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"
#include "job/job_plan.hpp"
#include "journal/journal.hpp"

namespace dcmflow::job {

struct run_settings {
  std::chrono::system_clock::time_point started;  // when the command started (reports)
  std::string description;                        // the run's line in the journal ("dcmflow run job.yaml --shard 0/1")
  int threads = 0;                                // 0: the job's threads:, else every core
  bool retry_failed = false;                      // items that failed in an earlier run are tried again
  bool verify = false;                            // ask the destinations, resend what is missing once
  bool commit = false;                            // Storage Commitment from DIMSE destinations
  std::uint16_t commit_port = 0;
  std::chrono::seconds commit_wait{120};
  std::function<bool()> stop_requested;  // true: no new item starts (SIGTERM, Ctrl-C)
};

// What the run has to say, as it happens. Every member may be empty.
struct run_observer {
  std::function<void(const item_record& record, bool skipped)> item_finished;  // progress
  std::function<void()> items_done;                   // every item ran; verification, commitment and reports follow
  std::function<void(const std::string& line)> say;   // results (stdout)
  std::function<void(const std::string& line)> warn;  // problems (stderr)
};

struct run_outcome {
  std::size_t total = 0;  // the job's items (this shard), run now or before
  std::size_t stored = 0;
  std::size_t failed = 0;
  std::size_t pending = 0;
  std::size_t skipped = 0;  // done by an earlier run
  std::size_t instances = 0;
  std::string given_up;  // why a destination was given up; empty when none was
  bool commit_problems = false;
  bool stopped = false;  // stopped on request: the pending items wait for the next run
};

// `journal` is the plan's, its in-flight items already settled; `suspects` are the inputs an
// earlier run died on, run first and one at a time. Fails only when the run cannot go on
// (the journal cannot record, the reports cannot be written).
[[nodiscard]] result<run_outcome> run_job(job_plan& plan, journal::journal& journal,
                                          const std::vector<std::string>& suspects, const run_settings& settings,
                                          const run_observer& observer);

}  // namespace dcmflow::job
