#include "job/performer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "job/performer_claims.hpp"
#include "journal/journal.hpp"
#include "store/destination.hpp"
#include "worklist/performed_step.hpp"

namespace dcmflow::job {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `dcmflow run JOB` in a child process that dies with us (a restarted performer must never
// find the previous run still writing the job's journal). Output goes to run.log beside it.
result<pid_t> start_run(const performer_options& options, const fs::path& job_file) {
  const fs::path log = job_file.parent_path() / "run.log";
  const int output = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (output < 0) return failure{"cannot write " + log.string()};
  const std::string program = options.program.string();
  const std::string job = job_file.string();
  const char* argv[] = {program.c_str(), "run", job.c_str(), "--progress", "none", nullptr};
  const pid_t parent = ::getpid();
  // Only async-signal-safe calls between fork and exec: libcurl may have threads of its own.
  const pid_t child = ::fork();
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
    ::close_range(3, ~0U, 0);   // not the event channel's socket, nor any other of ours
    ::signal(SIGINT, SIG_IGN);  // a Ctrl-C at the performer's terminal is the performer's to handle
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): execv's signature
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
  auto counts = journal::journal::counts_of(journal_file);  // the running job's: read, never written
  if (!counts) return std::nullopt;
  job_counts found;
  for (const auto& [state, count] : *counts) {
    found.total += count;
    if (state == item_status::converted) found.stored = count;
    if (state == item_status::failed) found.failed = count;
  }
  return found;
}

// Every instance every destination confirmed (the journal's deliveries: stored, and later
// verified or committed), with where it can be fetched from: of a finished item, or of one
// that failed after some of its instances were stored.
result<std::vector<worklist::output_instance>> stored_instances(const fs::path& journal_file,
                                                                const import_request& request) {
  std::error_code error;
  if (!fs::exists(journal_file, error)) return std::vector<worklist::output_instance>{};
  auto opened = journal::journal::open(journal_file);
  if (!opened) return opened.error();
  std::string retrieve_ae;
  std::string retrieve_url;
  for (const auto& destination : request.destinations) {
    const auto ae = request.retrieve_ae.find(destination);
    if (ae != request.retrieve_ae.end() && retrieve_ae.empty()) retrieve_ae = ae->second;
    if (destination.starts_with("http") && retrieve_url.empty())
      retrieve_url = destination.substr(0, destination.find('?'));
  }
  std::map<std::string, std::pair<worklist::output_instance, std::size_t>> confirmed;  // by SOP Instance UID
  for (const auto& destination : request.destinations) {
    auto delivered = opened->deliveries(store::redacted_url(destination));  // the journal's label of it
    if (!delivered) return delivered.error();
    for (const auto& series : *delivered) {
      for (const auto& instance : series.instances) {
        if (instance.state != delivery_state::stored && instance.state != delivery_state::verified &&
            instance.state != delivery_state::committed) {
          continue;
        }
        auto& entry = confirmed[instance.sop_instance_uid];
        entry.first = {instance.sop_class_uid,
                       instance.sop_instance_uid,
                       series.study_instance_uid,
                       series.series_instance_uid,
                       retrieve_ae,
                       retrieve_url};
        ++entry.second;
      }
    }
  }
  std::vector<worklist::output_instance> found;
  for (auto& [uid, entry] : confirmed) {
    if (entry.second == request.destinations.size()) found.push_back(std::move(entry.first));
  }
  return found;
}

// Exit codes of `dcmflow run` (cli/exit_codes.hpp) the performer acts on.
constexpr int run_ok = 0;
constexpr int run_items_failed = 1;
constexpr int run_usage = 2;
constexpr int run_destination_unavailable = 4;
constexpr int run_stopped = 5;

class performer {
 public:
  performer(worklist::ups_client& client, const performer_options& options, const std::atomic<bool>& stop,
            const std::function<void(const std::string&)>& say)
      : client_(client), options_(options), stop_(stop), say_(say), claims_(options.state_folder) {}

  result<performer_summary> run() {
    open_channel();
    for (const claim& kept : claims_.all()) {  // a previous life's work first
      if (stop_) break;
      resume(kept);
    }
    for (;;) {
      if (stop_) break;
      bool claimed_any = false;
      auto found = scheduled();
      if (!found) {
        if (!options_.watch) return failure{found.error().message};
        say_("cannot search the worklist (" + found.error().message + "); trying again");
      } else {
        for (const auto& item : *found) {
          if (stop_) break;
          // A UID listed twice, or a workitem we hold (a server that ignores the state
          // filter), is not claimed again: its claim file is ours.
          if (!is_uid(item.uid()) || held_.contains(item.uid())) continue;
          claimed_any = claim_and_work(item.uid()) || claimed_any;
        }
      }
      retry_waiting();
      if (claimed_any) continue;  // more may have come in the meantime
      if (!options_.watch && waiting_.empty() && unsettled_.empty()) break;
      wait_for_news(until_next_retry(options_.watch ? options_.poll : options_.retry_after));
    }
    summary_.left_in_progress += waiting_.size() + unsettled_.size();
    return summary_;
  }

 private:
  struct waiting_workitem {
    worklist::workitem item;
    std::string uid;  // held
    std::chrono::steady_clock::time_point not_before;
  };
  struct unsettled_claim {
    claim kept;
    std::chrono::steady_clock::time_point not_before;
  };

  // A claim this performer made before it stopped: resumed if the server still says IN
  // PROGRESS and takes an Update with our Transaction UID (the claim may never have reached
  // it, and another performer may hold the workitem now).
  void resume(const claim& kept) {
    auto current = client_.retrieve(kept.workitem);
    if (!current) {
      if (current.error().http_status == 404) {
        claims_.forget(kept.workitem);
      } else {
        unsettle(kept);
      }
      say_(kept.workitem + ": cannot resume: " + current.error().message);
      return;
    }
    if (current->state() != worklist::step_state::in_progress) {
      claims_.forget(kept.workitem);  // never claimed, or ended: nothing to resume
      return;
    }
    auto ours =
        client_.update(kept.workitem, kept.transaction,
                       worklist::progress_update(*current, current_percent(*current), "resumed after a restart"));
    if (!ours) {
      if (ours.error().refused()) {
        claims_.forget(kept.workitem);
        say_(kept.workitem + ": not ours any more (" + ours.error().message + ")");
      } else {
        say_(kept.workitem + ": cannot resume: " + ours.error().message);
        unsettle(kept);
      }
      return;
    }
    held_[kept.workitem] = kept;
    (void)client_.subscribe(kept.workitem, options_.ae, false);
    say_(kept.workitem + (kept.cancel_requested ? ": resuming its cancellation (requested before a restart)"
                                                : ": resuming (claimed before a restart)"));
    work_on(*current, kept.workitem);
  }

  // A claim the server may or may not have taken (it did not answer): settled by resuming it
  // later (--watch) or at the next start; it counts as left in progress until then.
  void unsettle(const claim& kept) {
    if (options_.watch) {
      unsettled_.push_back({kept, std::chrono::steady_clock::now() + options_.retry_after});
    } else {
      ++summary_.left_in_progress;
    }
  }

  static double current_percent(const worklist::workitem& item) {
    const auto progress = item.items(worklist::tag::progress_information_sequence);
    if (progress.empty()) return 0;
    const std::string text = worklist::text_in(progress.front(), worklist::tag::procedure_step_progress);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    return end != text.c_str() && value >= 0 && value <= 100 ? value : 0;
  }

  void open_channel() {
    last_channel_attempt_ = std::chrono::steady_clock::now();
    auto channel = client_.open_events(options_.ae);
    if (!channel) {
      if (!channel_warned_) {
        say_("no event channel (" + channel.error().message +
             "): cancellation requests are not heard until it opens; "
             "new workitems are found by searching every " +
             std::to_string(options_.poll.count()) + " s");
        channel_warned_ = true;
      }
      return;
    }
    channel_ = std::move(channel).value();
    channel_warned_ = false;
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
    last_search_ = std::chrono::steady_clock::now();
    // Return keys a server may leave out unless asked (PS3.4 Table CC.2.5-3).
    return client_.search(match, 0, 0, {"ScheduledWorkitemCodeSequence", "InputReadinessState"});
  }

  // Events until `wait` passes or one says there is something to do. A cancellation
  // request for the running job is acted on in work_on.
  void wait_for_news(std::chrono::seconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      auto event = next_event(250ms);
      if (event && event->type == worklist::ups_event_type::state_report &&
          event->attributes.state() == worklist::step_state::scheduled &&
          std::chrono::steady_clock::now() - last_search_ >= 1s) {
        return;  // a new workitem (a flood of them: one search a second)
      }
    }
  }

  std::optional<worklist::ups_event> next_event(std::chrono::milliseconds wait) {
    if (!channel_) {
      // Reopened at most every 5 s: a server that closes each channel at once is not hammered.
      if (std::chrono::steady_clock::now() - last_channel_attempt_ >= 5s) open_channel();
      if (!channel_) {
        std::this_thread::sleep_for(wait);
        return std::nullopt;
      }
    }
    auto message = channel_->next(wait);
    if (!message) {
      say_("the event channel closed (" + message.error().message + "); reopening it");
      channel_.reset();
      return std::nullopt;
    }
    if (!*message) return std::nullopt;
    auto event = worklist::parse_event(**message);
    if (!event) return std::nullopt;
    const auto held = held_.find(event->workitem_uid);
    if (event->type == worklist::ups_event_type::cancel_requested && held != held_.end()) {
      const auto& said = event->attributes;
      claim& kept = held->second;
      kept.cancel_requested = true;
      kept.cancel_reason = said.text(worklist::tag::reason_for_cancellation);
      kept.cancel_code = said.has("0074100E") ? worklist::first_code(said.attributes()["0074100E"]) : std::nullopt;
      if (auto written = claims_.keep(kept); !written) say_(kept.workitem + ": " + written.error().message);
    }
    return std::move(event).value();
  }

  // Claims a SCHEDULED workitem and works on it; false when it was not ours to take. What it
  // asks is read first (a search returns only return keys, PS3.4 Table CC.2.5-3): one this
  // performer cannot serve (a destination it does not list, inputs not there) is left
  // SCHEDULED for another; one that is wrong is claimed, then canceled with the reason.
  bool claim_and_work(const std::string& uid) {
    auto whole = client_.retrieve(uid);
    if (!whole) return false;
    if (!is_import_workitem(*whole) || whole->state() != worklist::step_state::scheduled) return false;
    // Inputs still arriving (INCOMPLETE, UNAVAILABLE) are not imported half.
    if (whole->text(worklist::tag::input_readiness_state) != "READY") return false;
    if (auto request = read_import_request(*whole, options_.settings); !request && request.error().elsewhere) {
      if (passed_over_.insert(uid).second) say_(uid + ": left for another performer: " + request.error().message);
      return false;
    }
    if (claims_.has(uid)) return false;  // a claim of ours, unsettled
    claim made;
    made.workitem = uid;
    made.transaction = worklist::new_transaction_uid();
    made.started = worklist::datetime_now();
    if (auto kept = claims_.keep(made); !kept) {
      say_(uid + ": " + kept.error().message);
      return false;
    }
    // Subscribed before the claim: a cancellation request right after it still reaches us.
    held_[uid] = made;
    const bool subscribed = static_cast<bool>(client_.subscribe(uid, options_.ae, false));
    auto claimed = client_.change_state(uid, made.transaction, worklist::step_state::in_progress);
    if (!claimed) {
      held_.erase(uid);
      if (!claimed.error().refused()) {
        // No answer, or a server error: the server may have taken the claim. Kept, and
        // settled later by resuming it.
        say_(uid + ": cannot claim: " + claimed.error().message);
        unsettle(made);
        return false;
      }
      claims_.forget(uid);
      if (subscribed) (void)client_.unsubscribe(uid, options_.ae);
      // 409: another performer was first. Anything else is worth saying (a wrong dialect, an
      // expired token...).
      if (claimed.error().http_status != 409) say_(uid + ": cannot claim: " + claimed.error().message);
      return false;
    }
    say_(uid + ": claimed");
    work_on(*whole, uid);
    return true;
  }

  // `kept` by value: ending erases the held claim it may come from.
  void end(const claim kept,  // NOLINT(performance-unnecessary-value-param): see above
           const worklist::workitem& current, worklist::step_state to, const std::string& reason,
           const std::vector<worklist::output_instance>& outputs = {},
           const std::optional<worklist::code>& reason_code = std::nullopt) {
    worklist::workitem final_state = to == worklist::step_state::completed
                                         ? worklist::completion_update(current, options_.ae, kept.started, outputs)
                                         : worklist::cancellation_update(current, reason, reason_code);
    if (to == worklist::step_state::canceled && !outputs.empty()) {
      // What was stored before the job stopped is named all the same: nothing arrives unsaid.
      const auto performed = worklist::completion_update(current, options_.ae, kept.started, outputs);
      final_state.set_items(worklist::tag::performed_procedure_sequence,
                            performed.items(worklist::tag::performed_procedure_sequence));
    }
    auto updated = client_.update(kept.workitem, kept.transaction, final_state);
    auto changed = updated ? client_.change_state(kept.workitem, kept.transaction, to)
                           : worklist::ups_result<std::string>(updated.error());
    if (!changed) {
      // Left IN PROGRESS with the claim kept. A refusal is the server's last word (the next
      // start tries again); no answer is tried again later.
      say_(kept.workitem + ": cannot end it " + std::string(worklist::state_name(to)) + ": " + changed.error().message);
      if (changed.error().refused()) {
        ++summary_.left_in_progress;
      } else {
        wait_again(current, kept.workitem);
      }
      return;
    }
    claims_.forget(kept.workitem);
    held_.erase(kept.workitem);
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
    const double percent =
        100.0 * static_cast<double>(counts->stored + counts->failed) / static_cast<double>(counts->total);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    auto current = client_.retrieve(kept.workitem);
    if (!current) return;
    const std::string said = std::to_string(counts->stored) + " of " + std::to_string(counts->total) +
                             " inputs stored" +
                             (counts->failed > 0 ? ", " + std::to_string(counts->failed) + " failed" : "");
    if (auto updated =
            client_.update(kept.workitem, kept.transaction, worklist::progress_update(*current, percent, said));
        !updated) {
      say_(kept.workitem + ": cannot report progress: " + updated.error().message);
    }
  }

  // Tried again after --retry-after while watching; otherwise left IN PROGRESS with its claim
  // kept, for the next start.
  void wait_again(const worklist::workitem& item, const std::string& uid) {
    if (!options_.watch) {
      ++summary_.left_in_progress;
      return;
    }
    waiting_.push_back({item, uid, std::chrono::steady_clock::now() + options_.retry_after});
  }

  // Waits for the job, reporting progress and stopping it on request; its exit code (128
  // and up: a signal, or lost). `stopped_for_cancel`: we stopped it for a cancellation.
  int run_job(const claim& kept, const fs::path& journal_file, pid_t child, bool& stopped_for_cancel) {
    last_percent_ = -1;
    bool stopping = false;
    auto kill_at = std::chrono::steady_clock::time_point::max();  // set once asked to stop
    auto next_progress = std::chrono::steady_clock::now();
    for (;;) {
      int status = 0;
      const pid_t ended = ::waitpid(child, &status, WNOHANG);
      if (ended == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (ended < 0 && errno != EINTR) return 128;  // lost: not ours to wait for any more
      if (std::chrono::steady_clock::now() >= next_progress) {
        report_progress(kept, journal_file);
        next_progress = std::chrono::steady_clock::now() + options_.progress_every;
      }
      if (!stopping && (stop_ || held_[kept.workitem].cancel_requested)) {
        stopping = true;  // items in flight finish, no new one starts (run's SIGTERM)
        stopped_for_cancel = held_[kept.workitem].cancel_requested;
        if (stopped_for_cancel) say_(kept.workitem + ": cancellation requested; stopping its job");
        ::kill(child, SIGTERM);
        kill_at = std::chrono::steady_clock::now() + options_.stop_grace;
      }
      if (std::chrono::steady_clock::now() >= kill_at) {
        say_(kept.workitem + ": its job did not stop within " + std::to_string(options_.stop_grace.count()) +
             " s; killed");
        ::kill(child, SIGKILL);
        kill_at = std::chrono::steady_clock::time_point::max();
      }
      (void)next_event(250ms);
    }
  }

  void end_canceled_on_request(const claim& kept, const worklist::workitem& item,
                               const std::vector<worklist::output_instance>& stored) {
    end(kept, item, worklist::step_state::canceled,
        kept.cancel_reason.empty() ? "canceled on request" : "canceled on request: " + kept.cancel_reason, stored,
        kept.cancel_code);
  }

  // Runs a held workitem's job and ends the workitem as the job ended.
  void work_on(const worklist::workitem& item, const std::string& uid) {
    const fs::path folder = claims_.job_folder(uid);
    const fs::path journal_file = folder / "job.journal.sqlite";
    auto request = read_import_request(item, options_.settings);
    if (!request) {
      end(held_[uid], item, worklist::step_state::canceled,
          "dcmflow cannot perform this workitem: " + request.error().message);
      return;
    }
    if (held_[uid].cancel_requested) {  // heard before a restart, or while it waited: not run again
      auto stored = stored_instances(journal_file, *request);
      if (!stored) {
        say_(uid + ": cannot read what its job stored (" + stored.error().message + ")");
        wait_again(item, uid);
        return;
      }
      end_canceled_on_request(held_[uid], item, *stored);
      return;
    }
    auto job_file = write_import_job(*request, folder);
    if (!job_file) {
      say_(uid + ": " + job_file.error().message);
      wait_again(item, uid);
      return;
    }
    auto child = start_run(options_, *job_file);
    if (!child) {
      say_(uid + ": " + child.error().message);
      wait_again(item, uid);
      return;
    }
    bool stopped_for_cancel = false;
    const int code = run_job(held_[uid], journal_file, *child, stopped_for_cancel);
    const claim kept = held_[uid];  // as it stands now, a cancellation's reason included
    const fs::path log = folder / "run.log";
    auto stored = stored_instances(journal_file, *request);
    if (!stored) {
      say_(uid + ": cannot read what its job stored (" + stored.error().message + ")");
      wait_again(item, uid);
      return;
    }
    if (stopped_for_cancel || kept.cancel_requested) {
      end_canceled_on_request(kept, item, *stored);
      return;
    }
    if (stop_ || code == run_stopped) {
      say_(uid + ": stopped; left IN PROGRESS for the next start");
      ++summary_.left_in_progress;
      return;
    }
    if (code == run_destination_unavailable || (code != run_ok && code != run_items_failed && code != run_usage)) {
      // A destination given up, or a job that died (killed, out of memory, not started):
      // nothing says the workitem cannot be done, so it is done again later.
      say_(uid + ": its job " +
           (code == run_destination_unavailable ? std::string("gave up a destination")
                                                : "ended with exit " + std::to_string(code)) +
           (options_.watch ? "; trying again in " + std::to_string(options_.retry_after.count()) + " s"
                           : "; left IN PROGRESS for the next start") +
           " (log: " + log.string() + ")");
      wait_again(item, uid);
      return;
    }
    report_progress(kept, journal_file);
    const auto counts = read_counts(journal_file);
    if (code == run_ok && counts && counts->total == 0) {
      end(kept, item, worklist::step_state::canceled, "the workitem's inputs hold no file to import", *stored);
      return;
    }
    if (code != run_ok) {
      std::string reason = code == run_usage ? "the job could not start (dcmflow run exited 2)"
                                             : "the import did not complete (dcmflow run exited 1)";
      if (counts && counts->total > 0) {
        reason += ": " + std::to_string(counts->failed) + " of " + std::to_string(counts->total) + " inputs failed, " +
                  std::to_string(counts->total - counts->stored - counts->failed) + " not stored";
      }
      end(kept, item, worklist::step_state::canceled, reason + "; the performer's log: " + log.string(), *stored);
      return;
    }
    end(kept, item, worklist::step_state::completed, {}, *stored);
  }

  // Workitems to try again (a destination given up, a job that died, the server unreachable
  // at the end), once their time has come.
  void retry_waiting() {
    const auto now = std::chrono::steady_clock::now();
    auto all = std::move(waiting_);
    waiting_.clear();
    for (auto& each : all) {
      if (stop_ || now < each.not_before) {
        waiting_.push_back(std::move(each));
        continue;
      }
      work_on(each.item, each.uid);
    }
    auto claims = std::move(unsettled_);
    unsettled_.clear();
    for (auto& each : claims) {
      if (stop_ || now < each.not_before) {
        unsettled_.push_back(std::move(each));
        continue;
      }
      resume(each.kept);
    }
  }

  std::chrono::seconds until_next_retry(std::chrono::seconds longest) const {
    auto wait = longest;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& each : waiting_) {
      wait = std::min(wait, std::max(std::chrono::duration_cast<std::chrono::seconds>(each.not_before - now), 1s));
    }
    for (const auto& each : unsettled_) {
      wait = std::min(wait, std::max(std::chrono::duration_cast<std::chrono::seconds>(each.not_before - now), 1s));
    }
    return wait;
  }

  worklist::ups_client& client_;
  const performer_options& options_;
  const std::atomic<bool>& stop_;
  const std::function<void(const std::string&)>& say_;
  std::unique_ptr<worklist::event_channel> channel_;
  std::chrono::steady_clock::time_point last_channel_attempt_;
  bool channel_warned_ = false;
  claim_store claims_;
  std::map<std::string, claim> held_;  // workitems we claimed and have not ended
  std::set<std::string> passed_over_;  // left for other performers (said once)
  std::vector<waiting_workitem> waiting_;
  std::vector<unsettled_claim> unsettled_;
  std::chrono::steady_clock::time_point last_search_;
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
