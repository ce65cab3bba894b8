#include "job/job_runner.hpp"

#include <tbb/global_control.h>

#include <filesystem>
#include <optional>
#include <unordered_set>

#include "core/clock.hpp"
#include "job/verification.hpp"
#include "report/report_html.hpp"
#include "report/report_json.hpp"

namespace dcmflow::job {
namespace {

void say(const run_observer& observer, const std::string& line) {
  if (observer.say) observer.say(line);
}

void warn(const run_observer& observer, const std::string& line) {
  if (observer.warn) observer.warn(line);
}

std::vector<journal::pending_item> pending_items(const job_plan& plan) {
  std::vector<journal::pending_item> pending;
  pending.reserve(plan.items.size());
  for (const auto& item : plan.items) pending.push_back({item.input.name, 0});
  return pending;
}

void tell_verification(const verification& checked, const run_observer& observer) {
  say(observer, verification_line(checked));
  for (const auto& note : checked.notes) warn(observer, "verify: " + note);
}

// Asks the destinations for what they received; items with a missing instance are sent
// once more, and fail if they are still missing after that.
result<void> verify_and_resend(const job_plan& plan, journal::journal& journal, std::int64_t run,
                               const run_observer& observer) {
  auto checked = verify_deliveries(journal, plan.options.destinations);
  if (!checked) return checked.error();
  tell_verification(*checked, observer);
  if (checked->missing_items.empty()) return {};
  const std::unordered_set<std::string> missing(checked->missing_items.begin(), checked->missing_items.end());
  if (auto reopened = journal.reopen_items(checked->missing_items, "missing at a destination after storing");
      !reopened) {
    return reopened.error();
  }
  std::vector<graph::planned_item> again;
  for (const auto& item : plan.items) {
    if (missing.contains(item.input.name)) again.push_back(item);
  }
  say(observer, "verify: sending " + std::to_string(again.size()) + " items again");
  graph::pipeline_hooks hooks;
  hooks.on_finished = [&](item_record& record, std::size_t, bool) { return journal.record(record, run); };
  if (auto resent = graph::run_pipeline(again, plan.options, hooks); !resent) return resent.error();
  auto rechecked = verify_deliveries(journal, plan.options.destinations);
  if (!rechecked) return rechecked.error();
  tell_verification(*rechecked, observer);
  return journal.fail_items(rechecked->missing_items, "missing at a destination after storing twice");
}

// Runs the items: those an earlier run died on first, one at a time (one that kills this
// run too is then known for certain), then the rest.
result<void> run_items(const job_plan& plan, journal::journal& journal, std::int64_t run,
                       const std::vector<std::string>& suspects, const run_settings& settings,
                       const run_observer& observer, run_outcome& outcome) {
  auto finished = journal.finished_items();
  if (!finished) return finished.error();
  graph::pipeline_hooks hooks;
  hooks.stop_requested = settings.stop_requested;
  hooks.already_done = [&, done = std::move(finished).value()](const std::string& key, const std::string& sha256) {
    const auto found = done.find(key);
    if (found == done.end() || found->second.content_sha256 != sha256) return false;  // new, or changed since
    return found->second.state == item_status::converted ||
           (found->second.state == item_status::failed && !settings.retry_failed);
  };
  hooks.on_finished = [&](item_record& record, std::size_t, bool was_skipped) -> result<void> {
    if (was_skipped) {
      ++outcome.skipped;
    } else {
      if (auto recorded = journal.record(record, run); !recorded) return recorded.error();
      if (record.status == item_status::failed) {
        warn(observer, record.input + ": " + record.error);
      } else if (record.status == item_status::pending && outcome.given_up.empty()) {
        outcome.given_up = record.error;  // said once, not per item
        warn(observer, "dcmflow run: " + outcome.given_up);
      }
    }
    if (observer.item_finished) observer.item_finished(record, was_skipped);
    return {};
  };
  const std::unordered_set<std::string> suspected(suspects.begin(), suspects.end());
  std::vector<graph::planned_item> first;
  std::vector<graph::planned_item> rest;
  for (const auto& item : plan.items) (suspected.contains(item.input.name) ? first : rest).push_back(item);
  bool alone = false;
  hooks.on_admitted = [&](const item_record& record) {
    return journal.mark_in_flight(record.input, record.content_sha256, alone);
  };
  if (!first.empty()) {
    alone = true;
    graph::pipeline_options one_at_a_time = plan.options;
    one_at_a_time.max_items_in_flight = 1;
    if (auto ran = graph::run_pipeline(first, one_at_a_time, hooks); !ran) return ran;
    alone = false;
  }
  return graph::run_pipeline(rest, plan.options, hooks);
}

// The report covers every item of the job (this shard), finished in this run or before,
// streamed from the journal: constant memory whatever the job's size.
result<void> write_reports(const job_plan& plan, const journal::journal& journal, const run_settings& settings,
                           run_outcome& outcome) {
  std::unordered_set<std::string> keys;
  for (const auto& item : plan.items) keys.insert(item.input.name);
  std::error_code error;
  std::filesystem::create_directories(plan.report_json.parent_path(), error);
  auto json = report::report_json_writer::open(plan.report_json);
  if (!json) return json.error();
  report::report_html_writer html;
  const auto visited = journal.for_each_item([&](item_record&& item) {
    if (!keys.contains(item.input)) return;  // an input no longer in the job
    json->add(item);
    html.add(item);
    ++outcome.total;
    outcome.stored += item.status == item_status::converted ? 1 : 0;
    outcome.failed += item.status == item_status::failed ? 1 : 0;
    outcome.instances += item.instances.size();
  });
  outcome.pending = outcome.total - outcome.stored - outcome.failed;
  const auto ended = std::chrono::system_clock::now();
  std::vector<std::string> destination_urls;
  for (const auto& destination : plan.options.destinations) destination_urls.push_back(destination->url());
  report::run_summary summary{plan.spec.file.string(),       destination_urls,   plan.spec.codec,
                              iso8601_utc(settings.started), iso8601_utc(ended), {}};
  auto runs = journal.runs();
  if (!runs) return runs.error();
  for (const journal::run_record& each : *runs) summary.runs.push_back({each.started, each.finished, each.items});
  for (const result<void>& step :
       {visited, json->finish({settings.started, ended}), html.write(plan.report_html, summary)}) {
    if (!step) return step;
  }
  auto lists = write_delivery_lists(journal, plan.options.destinations, plan.report_json.parent_path(), plan.suffix);
  if (!lists) return lists.error();
  return {};
}

}  // namespace

result<run_outcome> run_job(job_plan& plan, journal::journal& journal, const std::vector<std::string>& suspects,
                            const run_settings& settings, const run_observer& observer) {
  const int threads = settings.threads > 0 ? settings.threads : plan.spec.threads;
  std::optional<tbb::global_control> thread_limit;
  if (threads > 0) {
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  }
  if (auto listed = journal.add_pending(pending_items(plan)); !listed) return listed.error();
  auto run = journal.begin_run(settings.description);
  if (!run) return run.error();

  run_outcome outcome;
  const auto stop_requested = [&] { return settings.stop_requested && settings.stop_requested(); };
  // Every way out after begin_run ends the run in the journal.
  const auto ended_with = [&](const failure& why) -> result<run_outcome> {
    (void)journal.end_run(*run);
    return why;
  };
  if (auto ran = run_items(plan, journal, *run, suspects, settings, observer, outcome); !ran) {
    if (observer.items_done) observer.items_done();
    return ended_with(failure{"stopped: " + ran.error().message});
  }
  if (observer.items_done) observer.items_done();
  if (settings.verify && !stop_requested()) {
    if (auto verified = verify_and_resend(plan, journal, *run, observer); !verified)
      return ended_with(verified.error());
  }
  if (settings.commit && !stop_requested()) {
    auto committed = commit_deliveries(journal, plan.options.destinations, settings.commit_port, settings.commit_wait);
    if (!committed) return ended_with(committed.error());
    say(observer, "commit: " + std::to_string(committed->committed) + " instances committed, " +
                      std::to_string(committed->failed) + " refused");
    for (const auto& note : committed->notes) warn(observer, "commit: " + note);
    outcome.commit_problems = committed->failed > 0 || !committed->notes.empty();
  }
  (void)journal.end_run(*run);
  outcome.stopped = stop_requested();
  if (auto written = write_reports(plan, journal, settings, outcome); !written) return written.error();
  return outcome;
}

}  // namespace dcmflow::job
