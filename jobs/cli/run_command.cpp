#include "cli/run_command.hpp"

#include "core/clock.hpp"

#include <tbb/global_control.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <unordered_set>

#include "cli/exit_codes.hpp"
#include "cli/preflight.hpp"
#include "cli/progress.hpp"
#include "job/automatic_codec.hpp"
#include "job/job_plan.hpp"
#include "job/verification.hpp"
#include "journal/journal.hpp"
#include "office/rendering_environment.hpp"
#include "report/report_html.hpp"
#include "report/report_json.hpp"

namespace dcmflow::cli {
namespace {

struct run_arguments {
  std::filesystem::path job_file;
  int threads = 0;
  int outage_limit_s = 0;  // 0: the job's limits.outage_limit
  std::string shard = "0/1";
  bool retry_failed = false;
  bool accept_environment = false;
  bool preflight = false;
  bool verify = false;
  bool commit = false;
  std::uint16_t commit_port = 0;
  int commit_wait_s = 120;
  std::string progress = "auto";
  double progress_seconds = 5;
};

// Reads the job file, moves to its folder (its relative paths start there) and plans it.
result<job::job_plan> open_job(const std::filesystem::path& file, const std::string& shard_text) {
  auto part = job::parse_shard(shard_text);
  if (!part) return part.error();
  auto spec = job::load_job_file(file);
  if (!spec) return spec.error();
  std::error_code error;
  std::filesystem::current_path(spec->folder, error);
  if (error) return failure{file.string() + ": cannot enter " + spec->folder.string() + ": " + error.message()};
  return job::plan_job(std::move(spec).value(), part.value());
}

std::vector<journal::pending_item> pending_items(const job::job_plan& plan) {
  std::vector<journal::pending_item> pending;
  pending.reserve(plan.items.size());
  for (const auto& item : plan.items) pending.push_back({item.input.name, 0});
  return pending;
}

void print_verification(const job::verification& checked) {
  std::cout << "verify: " << checked.verified << " instances found at their destinations, " << checked.missing
            << " missing\n";
  for (const auto& note : checked.notes) std::cerr << "verify: " << note << '\n';
}

// Asks the destinations for what they received; items with a missing instance are sent
// once more, and fail if they are still missing after that.
result<void> verify_and_resend(const job::job_plan& plan, journal::journal& journal,
                               std::int64_t run) {
  auto checked = job::verify_deliveries(journal, plan.options.destinations);
  if (!checked) return checked.error();
  print_verification(*checked);
  if (checked->missing_items.empty()) return {};
  const std::unordered_set<std::string> missing(checked->missing_items.begin(), checked->missing_items.end());
  if (auto reopened = journal.reopen_items(checked->missing_items, "missing at a destination after storing"); !reopened) {
    return reopened.error();
  }
  std::vector<graph::planned_item> again;
  for (const auto& item : plan.items) {
    if (missing.contains(item.input.name)) again.push_back(item);
  }
  std::cout << "verify: sending " << again.size() << " items again\n";
  graph::pipeline_hooks hooks;
  hooks.on_finished = [&](item_record& record, std::size_t, bool) { return journal.record(record, run); };
  if (auto resent = graph::run_pipeline(again, plan.options, hooks); !resent) return resent.error();
  auto rechecked = job::verify_deliveries(journal, plan.options.destinations);
  if (!rechecked) return rechecked.error();
  print_verification(*rechecked);
  return journal.fail_items(rechecked->missing_items, "missing at a destination after storing twice");
}

constexpr const char* environment_setting = "rendering environment";

// SIGTERM or Ctrl-C: no new item starts, the ones in flight finish and are journalled.
// SIGTERM stays caught (a supervisor and a parent may both send one); a second Ctrl-C is
// not caught, so a user can still stop the process where it is. A SIGINT ignored when we
// started (a performer's job, a background job) stays ignored.
std::atomic<bool> stop_signalled{false};

void stop_cleanly_on_signals() {
  std::signal(SIGTERM, [](int) { stop_signalled = true; });
  if (std::signal(SIGINT, SIG_IGN) != SIG_IGN) {
    std::signal(SIGINT, [](int signal) {
      stop_signalled = true;
      std::signal(signal, SIG_DFL);
    });
  }
}

// The rendering environment a job's runs must have, and who said so.
struct job_environment {
  std::string text;    // empty: none yet (the first run of the whole job)
  std::string source;  // "this job's first run"...
};

// The job file's `rasterise.environment`; else the first run's, in this journal; else, for a
// shard, the first run of any other shard whose journal is beside this one (shards on one
// shared folder render alike, or not at all).
result<job_environment> expected_environment(const job::job_plan& plan, const journal::journal* journal,
                                             const job::shard& part) {
  if (!plan.spec.environment.empty()) return job_environment{plan.spec.environment, "the job file (rasterise.environment)"};
  if (journal != nullptr) {
    auto first = journal->setting(environment_setting);
    if (!first) return first.error();
    if (!first->empty()) return job_environment{*first, "this job's first run"};
  }
  for (std::size_t other = 0; other < part.count; ++other) {
    if (other == part.index) continue;
    const job::shard sibling{other, part.count};
    auto recorded = journal::journal::setting_of(job::journal_of(plan.spec, sibling), environment_setting);
    if (!recorded) return recorded.error();
    if (!recorded->empty()) {
      return job_environment{*recorded, "the first run of shard " + std::to_string(other) + "/" + std::to_string(part.count)};
    }
  }
  return job_environment{};
}

// Documents render to the same pages only with the same LibreOffice and fonts: a job goes on
// only where it started (UIDs are derived, so other pages would take the same ones). The
// first run records the environment; an exit code when this one must not go on.
std::optional<int> keep_rendering_environment(const job::job_plan& plan, journal::journal* journal,
                                              const run_arguments& args) {
  const std::string environment = office::current_rendering_environment().text();
  auto part = job::parse_shard(args.shard);
  auto expected = part ? expected_environment(plan, journal, *part) : result<job_environment>(part.error());
  if (!expected) {
    std::cerr << "dcmflow run: " << expected.error().message << '\n';
    return exit_fatal;
  }
  if (!expected->text.empty() && expected->text != environment && !args.accept_environment) {
    std::cerr << "dcmflow run: the rendering environment differs from " << expected->source << "\n  then: " << expected->text
              << "\n  now:  " << environment
              << "\n  documents would render into other pages under the same UIDs; run where the job started, "
                 "use a new journal, or pass --accept-environment\n";
    return args.preflight ? exit_items_failed : exit_usage;
  }
  if (args.preflight || journal == nullptr) return std::nullopt;  // a preflight records nothing
  if (auto kept = journal->set_setting(environment_setting, environment); !kept) {
    std::cerr << "dcmflow run: " << kept.error().message << '\n';
    return exit_fatal;
  }
  return std::nullopt;
}

int run_job(const run_arguments& args) {
  const auto started = std::chrono::system_clock::now();
  auto opened = open_job(args.job_file, args.shard);
  if (!opened) {
    std::cerr << "dcmflow run: " << opened.error().message << '\n';
    return exit_usage;
  }
  job::job_plan& plan = opened.value();
  std::error_code missing;
  if (plan.spec.codec == job::automatic_codec_spec) {
    auto chosen = job::choose_automatic_codecs(plan.options);
    if (!chosen) {
      std::cerr << "dcmflow run: " << chosen.error().message << '\n';
      return exit_usage;
    }
    for (const auto& line : *chosen) std::cout << line << '\n';
  }
  if (args.preflight && !std::filesystem::exists(plan.journal_file, missing)) {
    if (const auto refused = keep_rendering_environment(plan, nullptr, args); refused) return *refused;
    return run_preflight(plan, {}, std::cout);  // a preflight leaves no journal behind
  }
  auto journal = journal::journal::open(plan.journal_file);
  if (!journal) {
    std::cerr << "dcmflow run: " << journal.error().message << '\n';
    return exit_fatal;
  }
  // Inputs that were in flight when an earlier run died are worked on first, one at a time:
  // one that kills this run too is then known for certain, and the next run fails it
  // instead of dying on it again (README, "A run always completes").
  result<journal::journal::stopped_items> stopped = journal::journal::stopped_items{};
  if (!args.preflight) {  // a preflight writes nothing
    stopped = journal->settle_items_in_flight(
        "stopped the run twice (the process died while working on it, the second time on it alone): "
        "failed so the rest of the job goes on; --retry-failed tries it again");
  }
  if (!stopped) {
    std::cerr << "dcmflow run: " << stopped.error().message << '\n';
    return exit_fatal;
  }
  for (const auto& key : stopped->failed) {
    std::cerr << key << ": stopped the run twice: failed so that the rest of the job goes on\n";
  }
  auto finished = journal->finished_items();
  if (!finished) {
    std::cerr << "dcmflow run: " << finished.error().message << '\n';
    return exit_fatal;
  }
  if (const auto refused = keep_rendering_environment(plan, &*journal, args); refused) return *refused;
  if (args.preflight) return run_preflight(plan, finished.value(), std::cout);

  if (args.outage_limit_s > 0) plan.options.outage_limit = std::chrono::seconds(args.outage_limit_s);
  const int threads = args.threads > 0 ? args.threads : plan.spec.threads;
  std::optional<tbb::global_control> thread_limit;
  if (threads > 0) {
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  }
  if (auto listed = journal->add_pending(pending_items(plan)); !listed) {
    std::cerr << "dcmflow run: " << listed.error().message << '\n';
    return exit_fatal;
  }
  auto run = journal->begin_run("dcmflow run " + args.job_file.string() + " --shard " + args.shard);
  if (!run) {
    std::cerr << "dcmflow run: " << run.error().message << '\n';
    return exit_fatal;
  }

  const bool live = args.progress == "live" || (args.progress == "auto" && isatty(STDERR_FILENO) != 0);
  std::optional<progress_meter> progress;
  if (args.progress != "none") {
    progress.emplace(plan.items.size(), live, std::cerr,
                     std::chrono::milliseconds(live ? 500 : static_cast<int>(args.progress_seconds * 1000)));
  }
  std::vector<std::string> destination_urls;
  for (const auto& destination : plan.options.destinations) destination_urls.push_back(destination->url());

  stop_cleanly_on_signals();
  graph::pipeline_hooks hooks;
  hooks.stop_requested = [] { return stop_signalled.load(); };
  hooks.already_done = [&, done = finished.value()](const std::string& key, const std::string& sha256) {
    const auto found = done.find(key);
    if (found == done.end() || found->second.content_sha256 != sha256) return false;  // new, or changed since
    return found->second.state == item_status::converted ||
           (found->second.state == item_status::failed && !args.retry_failed);
  };
  std::size_t skipped = 0;
  std::string given_up;  // why a destination was given up: said once, not per item
  hooks.on_finished = [&](item_record& record, std::size_t, bool was_skipped) -> result<void> {
    if (was_skipped) {
      ++skipped;
    } else {
      if (auto recorded = journal->record(record, run.value()); !recorded) return recorded.error();
      if (record.status == item_status::failed) {
        std::cerr << (live ? "\r\033[K" : "") << record.input << ": " << record.error << '\n';
      } else if (record.status == item_status::pending && given_up.empty()) {
        given_up = record.error;
        std::cerr << (live ? "\r\033[K" : "") << "dcmflow run: " << given_up << '\n';
      }
    }
    if (progress) progress->item_finished(record, was_skipped);
    return {};
  };
  const std::unordered_set<std::string> suspects(stopped->suspects.begin(), stopped->suspects.end());
  std::vector<graph::planned_item> first;
  std::vector<graph::planned_item> rest;
  for (const auto& item : plan.items) (suspects.contains(item.input.name) ? first : rest).push_back(item);
  bool alone = false;
  hooks.on_admitted = [&](const item_record& record) {
    return journal->mark_in_flight(record.input, record.content_sha256, alone);
  };
  result<void> ran;
  if (!first.empty()) {
    alone = true;
    graph::pipeline_options one_at_a_time = plan.options;
    one_at_a_time.max_items_in_flight = 1;
    ran = graph::run_pipeline(first, one_at_a_time, hooks);
    alone = false;
  }
  if (ran) ran = graph::run_pipeline(rest, plan.options, hooks);
  bool commit_problems = false;
  if (progress) progress->stop();
  if (!ran) {
    (void)journal->end_run(run.value());
    std::cerr << "dcmflow run: stopped: " << ran.error().message << '\n';
    return exit_fatal;
  }
  if (args.verify && !stop_signalled) {
    if (auto verified = verify_and_resend(plan, *journal, run.value()); !verified) {
      (void)journal->end_run(run.value());
      std::cerr << "dcmflow run: " << verified.error().message << '\n';
      return exit_fatal;
    }
  }
  if (args.commit && !stop_signalled) {
    auto committed = job::commit_deliveries(*journal, plan.options.destinations, args.commit_port,
                                            std::chrono::seconds(args.commit_wait_s));
    if (!committed) {
      (void)journal->end_run(run.value());
      std::cerr << "dcmflow run: " << committed.error().message << '\n';
      return exit_fatal;
    }
    std::cout << "commit: " << committed->committed << " instances committed, " << committed->failed << " refused\n";
    for (const auto& note : committed->notes) std::cerr << "commit: " << note << '\n';
    commit_problems = committed->failed > 0 || !committed->notes.empty();
  }
  (void)journal->end_run(run.value());

  // The report covers every item of the job (this shard), finished in this run or before,
  // streamed from the journal: constant memory whatever the job's size.
  std::unordered_set<std::string> keys;
  for (const auto& item : plan.items) keys.insert(item.input.name);
  std::error_code error;
  std::filesystem::create_directories(plan.report_json.parent_path(), error);
  auto json = report::report_json_writer::open(plan.report_json);
  if (!json) {
    std::cerr << "dcmflow run: " << json.error().message << '\n';
    return exit_fatal;
  }
  report::report_html_writer html;
  std::size_t total = 0;
  std::size_t stored = 0;
  std::size_t failed = 0;
  std::size_t instances = 0;
  const auto visited = journal->for_each_item([&](item_record&& item) {
    if (!keys.contains(item.input)) return;  // an input no longer in the job
    json->add(item);
    html.add(item);
    ++total;
    stored += item.status == item_status::converted ? 1 : 0;
    failed += item.status == item_status::failed ? 1 : 0;
    instances += item.instances.size();
  });
  const auto ended = std::chrono::system_clock::now();
  report::run_summary summary{plan.spec.file.string(), destination_urls, plan.spec.codec,
                              iso8601_utc(started), iso8601_utc(ended), {}};
  auto runs = journal->runs();
  if (!runs) {
    std::cerr << "dcmflow run: " << runs.error().message << '\n';
    return exit_fatal;
  }
  for (const journal::run_record& each : *runs) summary.runs.push_back({each.started, each.finished, each.items});
  for (const result<void>& step : {visited, json->finish({started, ended}), html.write(plan.report_html, summary)}) {
    if (!step) {
      std::cerr << "dcmflow run: " << step.error().message << '\n';
      return exit_fatal;
    }
  }
  auto lists = job::write_delivery_lists(*journal, plan.options.destinations, plan.report_json.parent_path(),
                                         plan.suffix);
  if (!lists) {
    std::cerr << "dcmflow run: " << lists.error().message << '\n';
    return exit_fatal;
  }
  const std::size_t pending = total - stored - failed;
  const std::chrono::duration<double> elapsed = ended - started;
  std::cout << "run: " << stored << " stored, " << failed << " failed, " << pending << " pending of " << total
            << " items (" << skipped << " done by an earlier run); " << instances << " instances; "
            << static_cast<long long>(elapsed.count() * 10) / 10.0 << " s\n"
            << "journal: " << std::filesystem::weakly_canonical(std::filesystem::absolute(plan.journal_file)).string() << "\nreport: "
            << std::filesystem::weakly_canonical(std::filesystem::absolute(plan.report_html)).string() << '\n';
  if (!given_up.empty()) return exit_destination_unavailable;
  if (stop_signalled) {
    std::cerr << "dcmflow run: stopped on request; " << pending << " items are pending: run again to go on\n";
    return exit_stopped;
  }
  return failed + pending > 0 || commit_problems ? exit_items_failed : exit_ok;
}

int show_status(const std::filesystem::path& job_file, const std::string& shard) {
  auto opened = open_job(job_file, shard);
  if (!opened) {
    std::cerr << "dcmflow status: " << opened.error().message << '\n';
    return exit_usage;
  }
  const job::job_plan& plan = opened.value();
  std::error_code error;
  if (!std::filesystem::exists(plan.journal_file, error)) {
    std::cout << "status: " << plan.items.size() << " items, none run yet (no journal at "
              << std::filesystem::absolute(plan.journal_file).string() << ")\n";
    return exit_ok;
  }
  auto journal = journal::journal::open(plan.journal_file);
  if (!journal) {
    std::cerr << "dcmflow status: " << journal.error().message << '\n';
    return exit_fatal;
  }
  auto counts = journal->counts();
  if (!counts) {
    std::cerr << "dcmflow status: " << counts.error().message << '\n';
    return exit_fatal;
  }
  std::size_t known = 0;
  for (const auto& [state, count] : counts.value()) known += count;
  std::cout << "status: " << std::filesystem::absolute(plan.journal_file).string() << '\n';
  for (const auto& [state, count] : counts.value()) std::cout << "  " << state_name(state) << ": " << count << '\n';
  if (plan.items.size() > known) {
    std::cout << "  not listed yet: " << plan.items.size() - known << " (inputs added since the last run)\n";
  }
  return exit_ok;
}

}  // namespace

std::function<int()> add_run_command(CLI::App& app) {
  auto args = std::make_shared<run_arguments>();
  CLI::App* command = app.add_subcommand("run", "Run a job file: inputs to DICOM to destinations, resumable");
  command->add_option("job", args->job_file, "The job file (YAML; see jobs/examples/)")->required();
  command->add_option("--threads", args->threads, "Worker threads (overrides the job's threads:)")
      ->check(CLI::Range(1, 1024));
  command->add_option("--outage-limit", args->outage_limit_s,
                      "Seconds a destination may stay unreachable before the run leaves what needs it pending "
                      "and exits with 4 (overrides the job's limits.outage_limit; default 3600)")
      ->check(CLI::Range(1, 7 * 86400));
  command->add_option("--shard", args->shard,
                      "Take only the items whose key hashes to I mod N (N machines, one journal each)")
      ->default_str("0/1");
  command->add_flag("--retry-failed", args->retry_failed, "Work again on items that failed in earlier runs");
  command->add_flag("--accept-environment", args->accept_environment,
                    "Go on although LibreOffice or the fonts changed since the job's first run (documents "
                    "rendered from now on may break into other pages than before)");
  auto* commit = command->add_flag("--commit", args->commit,
                                   "Then ask each DIMSE destination for Storage Commitment (N-ACTION) and wait for "
                                   "its report on --commit-port");
  command->add_option("--commit-port", args->commit_port,
                      "Port we listen on for the N-EVENT-REPORT (our AE must be known to the PACS with it)")
      ->needs(commit);
  commit->needs(command->get_option("--commit-port"));
  command->add_option("--commit-wait", args->commit_wait_s, "Seconds to wait for the commitment report")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  command->add_flag("--verify", args->verify,
                    "Then ask each destination (C-FIND, QIDO-RS) for every stored instance; send missing ones again");
  command->add_flag("--preflight", args->preflight,
                    "Check the whole job (manifest, inputs, destinations) and say what a run would do; encode nothing");
  command->add_option("--progress", args->progress, "auto (a live line on a terminal, else a log line), live, log, none")
      ->check(CLI::IsMember({"auto", "live", "log", "none"}))
      ->capture_default_str();
  command->add_option("--progress-seconds", args->progress_seconds, "Seconds between log lines")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  return [command, args] { return command->parsed() ? run_job(*args) : -1; };
}

namespace {

int verify_job(const std::filesystem::path& job_file, const std::string& shard) {
  auto opened = open_job(job_file, shard);
  if (!opened) {
    std::cerr << "dcmflow verify: " << opened.error().message << '\n';
    return exit_usage;
  }
  const job::job_plan& plan = opened.value();
  std::error_code error;
  if (!std::filesystem::exists(plan.journal_file, error)) {
    std::cerr << "dcmflow verify: no journal at " << plan.journal_file.string() << ": the job has not run\n";
    return exit_usage;
  }
  auto journal = journal::journal::open(plan.journal_file);
  if (!journal) {
    std::cerr << "dcmflow verify: " << journal.error().message << '\n';
    return exit_fatal;
  }
  auto checked = job::verify_deliveries(*journal, plan.options.destinations);
  if (!checked) {
    std::cerr << "dcmflow verify: " << checked.error().message << '\n';
    return exit_fatal;
  }
  print_verification(*checked);
  // What is missing is sent again by the next run.
  if (auto reopened = journal->reopen_items(checked->missing_items, "missing at a destination when verified");
      !reopened) {
    std::cerr << "dcmflow verify: " << reopened.error().message << '\n';
    return exit_fatal;
  }
  if (!checked->missing_items.empty()) {
    std::cout << "verify: " << checked->missing_items.size() << " items will be sent again by the next run\n";
  }
  auto lists = job::write_delivery_lists(*journal, plan.options.destinations, plan.report_json.parent_path(),
                                         plan.suffix);
  if (!lists) {
    std::cerr << "dcmflow verify: " << lists.error().message << '\n';
    return exit_fatal;
  }
  return checked->missing > 0 || !checked->notes.empty() ? exit_items_failed : exit_ok;
}

}  // namespace

std::function<int()> add_verify_command(CLI::App& app) {
  auto job_file = std::make_shared<std::filesystem::path>();
  auto shard = std::make_shared<std::string>("0/1");
  CLI::App* command = app.add_subcommand(
      "verify", "Ask a job's destinations for every instance its journal says they received (C-FIND, QIDO-RS)");
  command->add_option("job", *job_file, "The job file")->required();
  command->add_option("--shard", *shard, "The shard whose journal to read (I/N)")->default_str("0/1");
  return [command, job_file, shard] { return command->parsed() ? verify_job(*job_file, *shard) : -1; };
}

std::function<int()> add_status_command(CLI::App& app) {
  auto job_file = std::make_shared<std::filesystem::path>();
  auto shard = std::make_shared<std::string>("0/1");
  CLI::App* command = app.add_subcommand("status", "Counts of a job's items by state, from its journal");
  command->add_option("job", *job_file, "The job file")->required();
  command->add_option("--shard", *shard, "The shard whose journal to read (I/N)")->default_str("0/1");
  return [command, job_file, shard] { return command->parsed() ? show_status(*job_file, *shard) : -1; };
}

}  // namespace dcmflow::cli
