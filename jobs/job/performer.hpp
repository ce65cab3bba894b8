#pragma once
// `dcmflow work`: a UPS performer (PS3.4 CC.1, "Pull Performer"). It takes SCHEDULED import
// workitems (job/workitem_job.hpp) from a worklist, claims each (IN PROGRESS, with a
// Transaction UID of its own, kept in its state folder before the server is asked), runs it
// as a job (`dcmflow run`, in a child process: a crash costs the job, not the performer),
// reports progress from the job's journal, and ends it COMPLETED with the Output
// Information Sequence naming every stored instance, or CANCELED with the reason.
//
// Restarted after a crash, it first finishes the workitems its state folder says it claimed
// (job/performer_claims.hpp; the job resumes from its journal: nothing is sent twice, UIDs
// are derived). A cancellation request (an event on its channel) is kept with the claim and
// stops the job cleanly: items in flight finish, no new one starts, the workitem ends
// CANCELED with the requester's reason. A destination given up (run's exit 4) or a job that
// died keeps the workitem IN PROGRESS, tried again later. Workitems it cannot serve (a
// destination it does not list, inputs not there) are left SCHEDULED for another performer.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "core/result.hpp"
#include "job/workitem_job.hpp"
#include "worklist/ups_client.hpp"

namespace dcmflow::job {

struct performer_options {
  std::string ae = "DCMFLOW";          // our AE title: subscriptions and the event channel
  std::string worklist_label;          // only workitems of this worklist (empty: any)
  bool watch = false;                  // keep waiting for new workitems
  std::filesystem::path state_folder;  // claims and job folders
  performer_settings settings;
  std::chrono::seconds poll{30};  // searches between events
  std::chrono::seconds progress_every{5};
  std::chrono::seconds retry_after{60};  // a destination given up, a job that died: run again after this
  std::chrono::seconds stop_grace{300};  // a job asked to stop (SIGTERM) is killed after this
  std::filesystem::path program;         // dcmflow-all, to run jobs
};

struct performer_summary {
  std::size_t completed = 0;
  std::size_t canceled = 0;
  std::size_t left_in_progress = 0;  // stopped, or waiting for a destination
};

// Runs until no workitem is left (or, with `watch`, until `stop` is set), printing what it
// does on `say`. Fails only when the worklist cannot be used at all.
[[nodiscard]] result<performer_summary> perform_workitems(worklist::ups_client& client,
                                                          const performer_options& options,
                                                          const std::atomic<bool>& stop,
                                                          const std::function<void(const std::string&)>& say);

}  // namespace dcmflow::job
