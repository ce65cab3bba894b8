#include "cli/work_command.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include <atomic>
#include <iostream>
#include <memory>

#include "cli/exit_codes.hpp"
#include "core/program_location.hpp"
#include "job/performer.hpp"
#include "store/dimse_destination.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::cli {
namespace {

struct work_arguments {
  std::string url;
  job::performer_options options;
  std::vector<std::string> peers;
  int poll_s = 30;
  int progress_s = 5;
  int retry_s = 60;
  int stop_grace_s = 300;
};

std::atomic<bool> stop_requested{false};

int run_work(work_arguments& args) {
  auto service = worklist::parse_ups_url(args.url);
  if (!service) {
    std::cerr << "dcmflow work: " << service.error().message << '\n';
    return exit_usage;
  }
  for (const auto& peer : args.peers) {
    if (peer.starts_with("http://") || peer.starts_with("https://")) {
      if (auto checked = store::parse_stow_url(peer); !checked) {
        std::cerr << "dcmflow work: --peer " << checked.error().message << '\n';
        return exit_usage;
      }
      args.options.settings.web_peers.push_back(peer);
      continue;
    }
    const auto equals = peer.find('=');
    const std::string url = equals == std::string::npos ? std::string() : peer.substr(equals + 1);
    if (equals == 0 || !(url.starts_with("dicom://") || url.starts_with("dicoms://"))) {
      std::cerr << "dcmflow work: --peer expects AE=dicom://AE@host:port or a DICOMweb root http(s)://host/PATH\n";
      return exit_usage;
    }
    // Checked now: an operator's typo must not cancel the workitems that name this peer.
    if (auto checked = store::parse_dicom_url(url, store::network_options{}); !checked) {
      std::cerr << "dcmflow work: --peer " << checked.error().message << '\n';
      return exit_usage;
    }
    args.options.settings.peers[peer.substr(0, equals)] = url;
  }
  // Mistakes of the operator stop here, before any workitem is claimed: a workitem is
  // canceled for its own faults only.
  const auto& ae = args.options.ae;
  if (ae.empty() || ae.size() > 16 || ae.find('\\') != std::string::npos ||
      std::any_of(ae.begin(), ae.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; })) {
    std::cerr << "dcmflow work: --ae must be an AE title of 1 to 16 characters (no backslash, no control character)\n";
    return exit_usage;
  }
  if (args.peers.empty()) {
    std::cerr << "dcmflow work: give the destinations workitems may name with --peer (AE=dicom://AE@host:port, or a "
                 "DICOMweb root)\n";
    return exit_usage;
  }
  std::error_code error;
  if (!std::filesystem::is_directory(args.options.settings.input_root, error)) {
    std::cerr << "dcmflow work: --input-root " << args.options.settings.input_root.string()
              << " is not a folder (not mounted?)\n";
    return exit_usage;
  }
  std::filesystem::create_directories(args.options.state_folder, error);
  if (!std::filesystem::is_directory(args.options.state_folder, error)) {
    std::cerr << "dcmflow work: --state " << args.options.state_folder.string() << " is not a folder we can make\n";
    return exit_usage;
  }
  // One performer per state folder: two would resume each other's claims.
  const auto lock_file = args.options.state_folder / "performer.lock";
  const int lock = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "dcmflow work: another performer uses " << args.options.state_folder.string()
              << " (each performer needs a --state of its own)\n";
    return exit_usage;
  }
  auto program = beside_this_program("dcmflow-all");
  if (!program) {
    std::cerr << "dcmflow work: " << program.error().message << '\n';
    return exit_fatal;
  }
  args.options.program = *program;
  args.options.poll = std::chrono::seconds(args.poll_s);
  args.options.progress_every = std::chrono::seconds(args.progress_s);
  args.options.retry_after = std::chrono::seconds(args.retry_s);
  args.options.stop_grace = std::chrono::seconds(args.stop_grace_s);
  // A first Ctrl-C or SIGTERM stops cleanly (the job's items in flight finish; the workitem
  // stays IN PROGRESS and is resumed by the next start); a second one is not caught.
  const auto stop = [](int signal) {
    stop_requested = true;
    std::signal(signal, SIG_DFL);
  };
  std::signal(SIGINT, stop);
  std::signal(SIGTERM, stop);
  worklist::ups_client client(std::move(service).value());
  // Lines carry servers' words (a requester's reason): no control characters reach the log.
  const auto say = [](const std::string& line) { std::cout << worklist::one_line(line) << std::endl; };
  auto summary = job::perform_workitems(client, args.options, stop_requested, say);
  if (!summary) {
    std::cerr << "dcmflow work: " << summary.error().message << '\n';
    return exit_fatal;
  }
  std::cout << "work: " << summary->completed << " completed, " << summary->canceled << " canceled, "
            << summary->left_in_progress << " left in progress\n";
  return summary->canceled + summary->left_in_progress > 0 ? exit_items_failed : exit_ok;
}

}  // namespace

std::function<int()> add_work_command(CLI::App& app) {
  auto args = std::make_shared<work_arguments>();
  CLI::App* command = app.add_subcommand(
      "work", "Perform import workitems of a UPS-RS worklist: claim, run as a job, report progress, complete");
  command->add_option("url", args->url, "The UPS-RS root, http(s)://host:port/PATH (options as for `dcmflow ups`)")
      ->required();
  command
      ->add_option("--state", args->options.state_folder,
                   "Folder for claims and job folders (a restarted performer resumes from it)")
      ->required();
  command->add_option("--input-root", args->options.settings.input_root, "Workitems' inputs must be below this folder")
      ->required();
  command->add_option("--peer", args->peers,
                      "A destination workitems may name: AE=dicom://AE@host:port (a Destination AE), or a "
                      "DICOMweb root http(s)://host/PATH[?options] (a STOW-RS Storage URL)");
  command->add_option("--ae", args->options.ae, "Our AE title (subscriptions, event channel)")->capture_default_str();
  command->add_option("--worklist-label", args->options.worklist_label, "Only workitems of this worklist");
  command->add_flag("--watch", args->options.watch, "Keep waiting for new workitems (until SIGINT or SIGTERM)");
  command->add_option("--poll", args->poll_s, "Seconds between searches when no event comes")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  command->add_option("--progress-seconds", args->progress_s, "Seconds between progress reports")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  command
      ->add_option("--stop-grace", args->stop_grace_s,
                   "Seconds a job asked to stop may take to finish its items in flight before it is killed")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  command
      ->add_option("--retry-after", args->retry_s,
                   "With --watch: seconds before a job whose destination was given up, or that died, runs again")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  return [command, args] { return command->parsed() ? run_work(*args) : -1; };
}

}  // namespace dcmflow::cli
