#include "cli/run_command.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/exit_codes.hpp"
#include "cli/preflight.hpp"
#include "cli/progress.hpp"
#include "job/automatic_codec.hpp"
#include "job/job_plan.hpp"
#include "job/job_runner.hpp"
#include "job/verification.hpp"
#include "journal/journal.hpp"
#include "office/rendering_environment.hpp"

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

// Reads the job file and plans it (its relative paths start at its folder: job_spec::opened).
result<job::job_plan> open_job(const std::filesystem::path& file, const std::string& shard_text) {
  auto part = job::parse_shard(shard_text);
  if (!part) return part.error();
  auto spec = job::load_job_file(file);
  if (!spec) return spec.error();
  return job::plan_job(std::move(spec).value(), part.value());
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
  if (!plan.spec.environment.empty())
    return job_environment{plan.spec.environment, "the job file (rasterise.environment)"};
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
      return job_environment{*recorded,
                             "the first run of shard " + std::to_string(other) + "/" + std::to_string(part.count)};
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
    std::cerr << "dcmflow run: the rendering environment differs from " << expected->source
              << "\n  then: " << expected->text << "\n  now:  " << environment
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
  if (const auto refused = keep_rendering_environment(plan, &*journal, args); refused) return *refused;
  if (args.preflight) {
    auto finished = journal->finished_items();
    if (!finished) {
      std::cerr << "dcmflow run: " << finished.error().message << '\n';
      return exit_fatal;
    }
    return run_preflight(plan, finished.value(), std::cout);
  }
  if (args.outage_limit_s > 0) plan.options.outage_limit = std::chrono::seconds(args.outage_limit_s);

  const bool live = args.progress == "live" || (args.progress == "auto" && isatty(STDERR_FILENO) != 0);
  std::optional<progress_meter> progress;
  if (args.progress != "none") {
    progress.emplace(plan.items.size(), live, std::cerr,
                     std::chrono::milliseconds(live ? 500 : static_cast<int>(args.progress_seconds * 1000)));
  }
  job::run_observer observer;
  observer.item_finished = [&](const item_record& record, bool skipped) {
    if (progress) progress->item_finished(record, skipped);
  };
  observer.items_done = [&] {
    if (progress) progress->stop();
  };
  observer.say = [](const std::string& line) { std::cout << line << '\n'; };
  observer.warn = [live](const std::string& line) { std::cerr << (live ? "\r\033[K" : "") << line << '\n'; };
  job::run_settings settings;
  settings.started = started;
  settings.description = "dcmflow run " + args.job_file.string() + " --shard " + args.shard;
  settings.threads = args.threads;
  settings.retry_failed = args.retry_failed;
  settings.verify = args.verify;
  settings.commit = args.commit;
  settings.commit_port = args.commit_port;
  settings.commit_wait = std::chrono::seconds(args.commit_wait_s);
  settings.stop_requested = [] { return stop_signalled.load(); };
  stop_cleanly_on_signals();
  auto ran = job::run_job(plan, *journal, stopped->suspects, settings, observer);
  if (!ran) {
    std::cerr << "dcmflow run: " << ran.error().message << '\n';
    return exit_fatal;
  }
  const job::run_outcome& outcome = *ran;
  const std::chrono::duration<double> elapsed = std::chrono::system_clock::now() - started;
  std::cout << "run: " << outcome.stored << " stored, " << outcome.failed << " failed, " << outcome.pending
            << " pending of " << outcome.total << " items (" << outcome.skipped << " done by an earlier run); "
            << outcome.instances << " instances; " << static_cast<long long>(elapsed.count() * 10) / 10.0 << " s\n"
            << "journal: " << std::filesystem::weakly_canonical(std::filesystem::absolute(plan.journal_file)).string()
            << "\nreport: " << std::filesystem::weakly_canonical(std::filesystem::absolute(plan.report_html)).string()
            << '\n';
  if (!outcome.given_up.empty()) return exit_destination_unavailable;
  if (outcome.stopped) {
    std::cerr << "dcmflow run: stopped on request; " << outcome.pending << " items are pending: run again to go on\n";
    return exit_stopped;
  }
  return outcome.failed + outcome.pending > 0 || outcome.commit_problems ? exit_items_failed : exit_ok;
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
  command
      ->add_option("--outage-limit", args->outage_limit_s,
                   "Seconds a destination may stay unreachable before the run leaves what needs it pending "
                   "and exits with 4 (overrides the job's limits.outage_limit; default 3600)")
      ->check(CLI::Range(1, 7 * 86400));
  command
      ->add_option("--shard", args->shard,
                   "Take only the items whose key hashes to I mod N (N machines, one journal each)")
      ->default_str("0/1");
  command->add_flag("--retry-failed", args->retry_failed, "Work again on items that failed in earlier runs");
  command->add_flag("--accept-environment", args->accept_environment,
                    "Go on although LibreOffice or the fonts changed since the job's first run (documents "
                    "rendered from now on may break into other pages than before)");
  auto* commit = command->add_flag("--commit", args->commit,
                                   "Then ask each DIMSE destination for Storage Commitment (N-ACTION) and wait for "
                                   "its report on --commit-port");
  command
      ->add_option("--commit-port", args->commit_port,
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
  command
      ->add_option("--progress", args->progress, "auto (a live line on a terminal, else a log line), live, log, none")
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
  std::cout << job::verification_line(*checked) << '\n';
  for (const auto& note : checked->notes) std::cerr << "verify: " << note << '\n';
  // What is missing is sent again by the next run.
  if (auto reopened = journal->reopen_items(checked->missing_items, "missing at a destination when verified");
      !reopened) {
    std::cerr << "dcmflow verify: " << reopened.error().message << '\n';
    return exit_fatal;
  }
  if (!checked->missing_items.empty()) {
    std::cout << "verify: " << checked->missing_items.size() << " items will be sent again by the next run\n";
  }
  auto lists =
      job::write_delivery_lists(*journal, plan.options.destinations, plan.report_json.parent_path(), plan.suffix);
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
