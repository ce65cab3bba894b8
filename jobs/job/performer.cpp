#include "job/performer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "journal/journal.hpp"
#include "worklist/performed_step.hpp"

namespace dcmflow::job {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What the performer remembers of a claim, written before the server is asked: a crash
// between the two leaves a claim file for a workitem still SCHEDULED, which is then dropped.
struct claim {
  std::string workitem;
  std::string transaction;
  std::string started;  // DT: the Performed Procedure Step Start
};

fs::path claims_folder(const performer_options& options) { return options.state_folder / "claims"; }
fs::path claim_file(const performer_options& options, const std::string& uid) { return claims_folder(options) / (uid + ".json"); }
fs::path job_folder(const performer_options& options, const std::string& uid) { return options.state_folder / "workitems" / uid; }

result<void> keep_claim(const performer_options& options, const claim& kept) {
  std::error_code error;
  fs::create_directories(claims_folder(options), error);
  if (error) return failure{"cannot make " + claims_folder(options).string() + ": " + error.message()};
  const fs::path file = claim_file(options, kept.workitem);
  const fs::path partial = file.string() + ".partial";
  const std::string text =
      worklist::dataset{{"workitem", kept.workitem}, {"transaction", kept.transaction}, {"started", kept.started}}.dump();
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failure{"cannot write " + partial.string()};
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return failure{"cannot write " + partial.string()};
  fs::rename(partial, file, error);  // the claim is on disk whole, or not at all
  if (error) return failure{"cannot write " + file.string() + ": " + error.message()};
  return {};
}

void forget_claim(const performer_options& options, const std::string& uid) {
  std::error_code ignored;
  fs::remove(claim_file(options, uid), ignored);
}

std::vector<claim> kept_claims(const performer_options& options) {
  std::vector<claim> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(claims_folder(options), error)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const auto parsed = worklist::dataset::parse(text.str(), nullptr, false);
    if (!parsed.is_object() || !parsed.contains("workitem") || !parsed.contains("transaction")) continue;
    found.push_back({parsed.value("workitem", ""), parsed.value("transaction", ""), parsed.value("started", "")});
  }
  return found;
}

// `dcmflow run JOB` in a child process that dies with us (a restarted performer must never
// find the previous run still writing the job's journal). Output goes to run.log beside it.
result<pid_t> start_run(const performer_options& options, const fs::path& job_file) {
  const fs::path log = job_file.parent_path() / "run.log";
  const int output = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (output < 0) return failure{"cannot write " + log.string()};
  const std::string program = options.program.string();
  const std::string job = job_file.string();
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();  // from the performer's only thread
  if (child < 0) {
    ::close(output);
    return failure{"cannot start dcmflow run"};
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(output, STDERR_FILENO);
    const int nothing = ::open("/dev/null", O_RDONLY);
    if (nothing >= 0) ::dup2(nothing, STDIN_FILENO);
    ::signal(SIGINT, SIG_IGN);  // a Ctrl-C at the performer's terminal is the performer's to handle
    const char* argv[] = {program.c_str(), "run", job.c_str(), "--progress", "none", nullptr};
    ::execv(program.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(output);
  return child;
}

struct job_counts {
  std::size_t total = 0;
  std::size_t stored = 0;
  std::size_t failed = 0;
};

std::optional<job_counts> read_counts(const fs::path& journal_file) {
  std::error_code error;
  if (!fs::exists(journal_file, error)) return std::nullopt;
  auto opened = journal::journal::open(journal_file);
  if (!opened) return std::nullopt;
  auto counts = opened->counts();
  if (!counts) return std::nullopt;
  job_counts found;
  for (const auto& [state, count] : *counts) {
    found.total += count;
    if (state == journal::item_state::stored) found.stored = count;
    if (state == journal::item_state::failed) found.failed = count;
  }
  return found;
}

// Every instance the job stored, with where it can be fetched from.
result<std::vector<worklist::output_instance>> stored_instances(const fs::path& journal_file, const import_request& request) {
  auto opened = journal::journal::open(journal_file);
  if (!opened) return opened.error();
  std::string retrieve_ae;
  std::string retrieve_url;
  for (const auto& destination : request.destinations) {
    const auto ae = request.retrieve_ae.find(destination);
    if (ae != request.retrieve_ae.end() && retrieve_ae.empty()) retrieve_ae = ae->second;
    if (destination.starts_with("http") && retrieve_url.empty()) retrieve_url = destination.substr(0, destination.find('?'));
  }
  std::vector<worklist::output_instance> found;
  auto visited = opened->for_each_item([&](item_record&& item) {
    if (item.status != item_status::converted) return;
    for (const auto& instance : item.instances) {
      found.push_back({instance.sop_class_uid, instance.sop_instance_uid, instance.study_instance_uid,
                       instance.series_instance_uid, retrieve_ae, retrieve_url});
    }
  });
  if (!visited) return visited.error();
  return found;
}

// Exit codes of `dcmflow run` (cli/exit_codes.hpp) the performer acts on.
constexpr int run_ok = 0;
constexpr int run_destination_unavailable = 4;
constexpr int run_stopped = 5;

class performer {
 public:
  performer(worklist::ups_client& client, const performer_options& options, const std::atomic<bool>& stop,
            const std::function<void(const std::string&)>& say)
      : client_(client), options_(options), stop_(stop), say_(say) {}

  result<performer_summary> run() {
    open_channel();
    for (const claim& kept : kept_claims(options_)) {  // a previous life's work first
      if (stop_) break;
      auto current = client_.retrieve(kept.workitem);
      if (!current) {
        if (current.error().http_status == 404) forget_claim(options_, kept.workitem);
        say_(kept.workitem + ": cannot resume: " + current.error().message);
        continue;
      }
      if (current->state() != worklist::step_state::in_progress) {
        forget_claim(options_, kept.workitem);  // never claimed, or ended: nothing to resume
        continue;
      }
      say_(kept.workitem + ": resuming (claimed before a restart)");
      work_on(*current, kept);
    }
    for (;;) {
      if (stop_) break;
      auto found = scheduled();
      if (!found) return failure{found.error().message};
      bool claimed_any = false;
      for (const auto& item : *found) {
        if (stop_) break;
        if (!is_import_workitem(item)) continue;
        claimed_any = claim_and_work(item) || claimed_any;
      }
      retry_waiting();
      if (claimed_any) continue;  // more may have come in the meantime
      if (!options_.watch && waiting_.empty()) break;
      wait_for_news(until_next_retry(options_.watch ? options_.poll : options_.retry_after));
    }
    summary_.left_in_progress += waiting_.size();
    return summary_;
  }

 private:
  void open_channel() {
    auto channel = client_.open_events(options_.ae);
    if (!channel) {
      say_("no event channel (" + channel.error().message + "): cancellation requests will not be heard; new workitems are found by searching every " +
           std::to_string(options_.poll.count()) + " s");
      return;
    }
    channel_ = std::move(channel).value();
    if (options_.watch) {
      // New workitems wake us up; without a global subscription we still search.
      if (auto subscribed = client_.subscribe(worklist::global_subscription_uid, options_.ae, false); !subscribed) {
        say_("no global subscription (" + subscribed.error().message + "): new workitems are found by searching");
      }
    }
  }

  worklist::ups_result<std::vector<worklist::workitem>> scheduled() {
    worklist::query match{{"ProcedureStepState", "SCHEDULED"}};
    if (!options_.worklist_label.empty()) match.emplace_back("WorklistLabel", options_.worklist_label);
    return client_.search(match, 0, 0);
  }

  // Events until `wait` passes or one says there is something to do. A cancellation
  // request for the running job is acted on in work_on.
  void wait_for_news(std::chrono::seconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      if (!channel_) {
        std::this_thread::sleep_for(250ms);
        continue;
      }
      auto event = next_event(250ms);
      if (event && event->type == worklist::ups_event_type::state_report &&
          event->attributes.state() == worklist::step_state::scheduled) {
        return;  // a new workitem
      }
    }
  }

  std::optional<worklist::ups_event> next_event(std::chrono::milliseconds wait) {
    if (!channel_) return std::nullopt;
    auto message = channel_->next(wait);
    if (!message) {
      say_("the event channel closed (" + message.error().message + "); reopening");
      channel_.reset();
      auto reopened = client_.open_events(options_.ae);
      if (reopened) channel_ = std::move(reopened).value();
      return std::nullopt;
    }
    if (!*message) return std::nullopt;
    auto event = worklist::parse_event(**message);
    if (!event) return std::nullopt;
    if (event->type == worklist::ups_event_type::cancel_requested) {
      const auto& said = event->attributes;
      cancel_requests_[event->workitem_uid] = {said.text(worklist::tag::reason_for_cancellation),
                                               said.has("0074100E") ? worklist::first_code(said.attributes()["0074100E"])
                                                                    : std::nullopt};
    }
    return std::move(event).value();
  }

  bool claim_and_work(const worklist::workitem& item) {
    const claim made{item.uid(), worklist::new_transaction_uid(), worklist::datetime_now()};
    if (auto kept = keep_claim(options_, made); !kept) {
      say_(item.uid() + ": " + kept.error().message);
      return false;
    }
    // Subscribed before the claim: a cancellation request right after it still reaches us.
    const bool subscribed = static_cast<bool>(client_.subscribe(made.workitem, options_.ae, false));
    auto claimed = client_.change_state(made.workitem, made.transaction, worklist::step_state::in_progress);
    if (!claimed) {
      forget_claim(options_, made.workitem);
      if (subscribed) (void)client_.unsubscribe(made.workitem, options_.ae);
      // Another performer was first: 409 (C302) or, for servers that read it as our
      // Transaction UID being the wrong one, 400 (C301, PS3.4 CC.2.1.2).
      if (!claimed.error().refused()) say_(item.uid() + ": cannot claim: " + claimed.error().message);
      return false;
    }
    say_(item.uid() + ": claimed");
    // A search returns only its return keys (PS3.4 Table CC.2.5-3): the whole workitem, with
    // its Output Destination Sequence, comes from Retrieve.
    auto whole = client_.retrieve(made.workitem);
    if (!whole) {
      say_(made.workitem + ": cannot read it (" + whole.error().message + "); left IN PROGRESS for the next start");
      ++summary_.left_in_progress;
      return true;
    }
    work_on(*whole, made);
    return true;
  }

  void end(const claim& kept, const worklist::workitem& current, worklist::step_state to, const std::string& reason,
           const std::vector<worklist::output_instance>& outputs = {},
           const std::optional<worklist::code>& reason_code = std::nullopt) {
    const worklist::workitem final_state = to == worklist::step_state::completed
                                               ? worklist::completion_update(current, options_.ae, kept.started, outputs)
                                               : worklist::cancellation_update(current, reason, reason_code);
    auto updated = client_.update(kept.workitem, kept.transaction, final_state);
    auto changed = updated ? client_.change_state(kept.workitem, kept.transaction, to)
                           : worklist::ups_result<std::string>(updated.error());
    if (!changed) {
      // Left IN PROGRESS with the claim kept: the next start tries again.
      say_(kept.workitem + ": cannot end it " + std::string(worklist::state_name(to)) + ": " + changed.error().message);
      ++summary_.left_in_progress;
      return;
    }
    forget_claim(options_, kept.workitem);
    if (to == worklist::step_state::completed) {
      ++summary_.completed;
      say_(kept.workitem + ": COMPLETED (" + std::to_string(outputs.size()) + " instances)");
    } else {
      ++summary_.canceled;
      say_(kept.workitem + ": CANCELED: " + reason);
    }
  }

  void report_progress(const claim& kept, const fs::path& journal_file) {
    const auto counts = read_counts(journal_file);
    if (!counts || counts->total == 0) return;
    const double percent = 100.0 * static_cast<double>(counts->stored + counts->failed) / static_cast<double>(counts->total);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    auto current = client_.retrieve(kept.workitem);
    if (!current) return;
    const std::string said = std::to_string(counts->stored) + " of " + std::to_string(counts->total) + " inputs stored" +
                             (counts->failed > 0 ? ", " + std::to_string(counts->failed) + " failed" : "");
    if (auto updated = client_.update(kept.workitem, kept.transaction, worklist::progress_update(*current, percent, said));
        !updated) {
      say_(kept.workitem + ": cannot report progress: " + updated.error().message);
    }
  }

  void work_on(const worklist::workitem& item, const claim& kept) {
    auto request = read_import_request(item, options_.settings);
    if (!request) {
      end(kept, item, worklist::step_state::canceled, "dcmflow cannot perform this workitem: " + request.error().message);
      return;
    }
    const fs::path folder = job_folder(options_, kept.workitem);
    auto job_file = write_import_job(*request, folder);
    if (!job_file) {
      say_(kept.workitem + ": " + job_file.error().message);
      ++summary_.left_in_progress;
      return;
    }
    const fs::path journal_file = folder / "job.journal.sqlite";
    auto child = start_run(options_, *job_file);
    if (!child) {
      say_(kept.workitem + ": " + child.error().message);
      ++summary_.left_in_progress;
      return;
    }
    last_percent_ = -1;
    bool stopping = false;
    cancel_request cancel;
    auto next_progress = std::chrono::steady_clock::now();
    int status = 0;
    for (;;) {
      const pid_t ended = ::waitpid(*child, &status, WNOHANG);
      if (ended == *child) break;
      if (std::chrono::steady_clock::now() >= next_progress) {
        report_progress(kept, journal_file);
        next_progress = std::chrono::steady_clock::now() + options_.progress_every;
      }
      if (!stopping && (stop_ || cancel_requests_.contains(kept.workitem))) {
        stopping = true;  // items in flight finish, no new one starts (run's SIGTERM)
        if (cancel_requests_.contains(kept.workitem)) {
          cancel = cancel_requests_[kept.workitem];
          say_(kept.workitem + ": cancellation requested; stopping its job");
        }
        ::kill(*child, SIGTERM);
      }
      if (channel_) {
        (void)next_event(250ms);
      } else {
        std::this_thread::sleep_for(250ms);
      }
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const fs::path log = folder / "run.log";
    if (stopping && cancel_requests_.contains(kept.workitem)) {
      cancel_requests_.erase(kept.workitem);
      end(kept, item, worklist::step_state::canceled,
          cancel.reason.empty() ? "canceled on request" : "canceled on request: " + cancel.reason, {}, cancel.code);
      return;
    }
    if (stopping || code == run_stopped) {
      say_(kept.workitem + ": stopped; left IN PROGRESS for the next start");
      ++summary_.left_in_progress;
      return;
    }
    if (code == run_destination_unavailable) {
      say_(kept.workitem + ": a destination is unavailable; trying again in " + std::to_string(options_.retry_after.count()) + " s");
      waiting_.push_back({item, kept, std::chrono::steady_clock::now() + options_.retry_after});
      return;
    }
    report_progress(kept, journal_file);
    if (code != run_ok) {
      const auto counts = read_counts(journal_file);
      std::string reason = "the import did not complete (dcmflow run exited " + std::to_string(code) + ")";
      if (counts) {
        reason += ": " + std::to_string(counts->failed) + " of " + std::to_string(counts->total) + " inputs failed, " +
                  std::to_string(counts->total - counts->stored - counts->failed) + " not stored";
      }
      end(kept, item, worklist::step_state::canceled, reason + "; the performer's log: " + log.string());
      return;
    }
    auto outputs = stored_instances(journal_file, *request);
    if (!outputs) {
      say_(kept.workitem + ": " + outputs.error().message);
      ++summary_.left_in_progress;
      return;
    }
    end(kept, item, worklist::step_state::completed, {}, *outputs);
  }

  // Workitems whose destination was given up, run again once their time has come.
  void retry_waiting() {
    auto all = std::move(waiting_);
    waiting_.clear();
    for (auto& each : all) {
      if (stop_ || std::chrono::steady_clock::now() < each.not_before) {
        waiting_.push_back(std::move(each));
        continue;
      }
      work_on(each.item, each.kept);
    }
  }

  std::chrono::seconds until_next_retry(std::chrono::seconds longest) const {
    auto wait = longest;
    for (const auto& each : waiting_) {
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(each.not_before - std::chrono::steady_clock::now());
      wait = std::min(wait, std::max(left, std::chrono::seconds(1)));
    }
    return wait;
  }

  struct waiting_workitem {
    worklist::workitem item;
    claim kept;
    std::chrono::steady_clock::time_point not_before;
  };

  worklist::ups_client& client_;
  const performer_options& options_;
  const std::atomic<bool>& stop_;
  const std::function<void(const std::string&)>& say_;
  std::unique_ptr<worklist::event_channel> channel_;
  struct cancel_request {
    std::string reason;                  // Reason For Cancellation, as the requester gave it
    std::optional<worklist::code> code;  // Procedure Step Discontinuation Reason Code
  };
  std::map<std::string, cancel_request> cancel_requests_;  // by workitem
  std::vector<waiting_workitem> waiting_;  // for a destination
  performer_summary summary_;
  double last_percent_ = -1;
};

}  // namespace

result<performer_summary> perform_workitems(worklist::ups_client& client, const performer_options& options,
                                            const std::atomic<bool>& stop,
                                            const std::function<void(const std::string&)>& say) {
  performer worker(client, options, stop, say);
  return worker.run();
}

}  // namespace dcmflow::job
