#include "cli/store_command.hpp"

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/exit_codes.hpp"
#include "convert/input_listing.hpp"
#include "core/file_bytes.hpp"
#include "store/destination.hpp"
#include "store/dimse_destination.hpp"
#include "store/outage_gate.hpp"
#include "store/stow_destination.hpp"

namespace dcmflow::cli {
namespace {

struct store_arguments {
  std::vector<std::filesystem::path> inputs;
  std::vector<std::string> destinations;
  convert::input_filter filter;
  store::network_options network;
  std::string transcode = "lossless";
  int threads = 0;
  int outage_limit_s = static_cast<int>(store::default_outage_limit.count());
};

void add_network_options(CLI::App& command, store::network_options& network, std::string& transcode) {
  command.add_option("--associations", network.associations, "DIMSE associations in parallel, each reused")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      .add_option("--max-per-association", network.max_instances_per_association,
                  "Instances sent on one association before it is renewed (0: no limit)")
      ->capture_default_str();
  command.add_option("--calling-ae", network.calling_ae, "Our AE title")->capture_default_str();
  command.add_option("--connect-timeout", network.connect_timeout_s, "Seconds to connect and negotiate")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  command.add_option("--dimse-timeout", network.dimse_timeout_s, "Seconds to wait for a response")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  command
      .add_option("--max-attempts", network.max_attempts,
                  "Attempts per instance on transport failures and 'out of resources' (A7xx)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command
      .add_option("--transcode", transcode,
                  "When the peer refuses the syntax: lossless (decode, send uncompressed), never (fail), any")
      ->check(CLI::IsMember({"lossless", "never", "any"}))
      ->capture_default_str();
}

store::transcode_policy policy_of(const std::string& name) {
  return name == "never" ? store::transcode_policy::never
         : name == "any" ? store::transcode_policy::any
                         : store::transcode_policy::lossless;
}

// What each destination took: every destination is asked for every file whatever the
// others answered, so each has its own count.
void print_each_destination(const std::vector<std::shared_ptr<store::destination>>& destinations,
                            const std::vector<item_record>& records) {
  for (const auto& destination : destinations) {
    std::size_t stored = 0;
    std::size_t failed = 0;
    for (const auto& record : records) {
      for (const auto& instance : record.instances) {
        for (const auto& delivery : instance.deliveries) {
          if (delivery.destination != destination->url()) continue;
          (delivery.stored() ? stored : failed) += 1;
        }
      }
    }
    std::cout << "  " << destination->url() << ": " << stored << " stored";
    if (failed > 0) std::cout << ", " << failed << " failed";
    std::cout << '\n';
  }
}

int run_store(store_arguments& args, const send::uncompressed_decoder& decoder) {
  args.network.transcode = policy_of(args.transcode);
  send::send_options options;
  options.decode_uncompressed = decoder;
  options.outage_limit = std::chrono::seconds(args.outage_limit_s);
  for (const auto& url : args.destinations) {
    auto destination = store::open_destination(url, std::filesystem::current_path(), args.network);
    if (!destination) {
      std::cerr << "dcmflow store: --to " << destination.error().message << '\n';
      return exit_usage;
    }
    options.destinations.push_back(std::move(destination).value());
  }
  options.senders = args.threads > 0 ? static_cast<std::size_t>(args.threads) : std::thread::hardware_concurrency();
  // In walked folders only DICOM files are taken (a converted folder also holds its
  // report.json); files named directly are always taken, and fail if they are not DICOM.
  std::vector<convert::input_file> inputs;
  std::size_t not_dicom = 0;
  for (auto& input : convert::list_inputs(args.inputs, args.filter)) {
    if (input.named_directly || !input.entry.empty() || is_part10_file(input.path)) {
      inputs.push_back(std::move(input));
    } else {
      ++not_dicom;
    }
  }
  if (not_dicom > 0) std::cerr << "store: skipped " << not_dicom << " files in folders that are not DICOM Part 10\n";
  std::string given_up;  // why a destination was given up: said once, not per file
  const auto records = send::send_files(inputs, options, [&given_up](const item_record& record) {
    if (record.status == item_status::pending) {
      if (given_up.empty()) std::cerr << "dcmflow store: " << record.error << '\n';
      given_up = record.error;
    } else if (!record.error.empty()) {
      std::cerr << record.input << ": " << record.error << '\n';
    }
    for (const auto& note : record.notes) std::cerr << record.input << ": " << note << '\n';
  });
  std::size_t failed = 0;
  std::size_t unsent = 0;
  for (const auto& record : records) {
    failed += record.status == item_status::failed ? 1 : 0;
    unsent += record.status == item_status::pending ? 1 : 0;
  }
  std::cout << "store: " << records.size() - failed - unsent << " of " << records.size() << " files stored";
  if (failed > 0) std::cout << " (" << failed << " failed)";
  if (unsent > 0) std::cout << " (" << unsent << " not sent: a destination was given up)";
  std::cout << '\n';
  if (options.destinations.size() > 1) print_each_destination(options.destinations, records);
  if (unsent > 0) return exit_destination_unavailable;
  return failed > 0 ? exit_items_failed : exit_ok;
}

}  // namespace

std::function<int()> add_store_command(CLI::App& app, send::uncompressed_decoder decoder) {
  auto args = std::make_shared<store_arguments>();
  CLI::App* command = app.add_subcommand("store", "Send existing DICOM files to a PACS (C-STORE) or a folder");
  command->add_option("inputs", args->inputs, "DICOM files or folders (searched recursively)")->required();
  command
      ->add_option(
          "--to", args->destinations,
          "Destination URL: dicom://CALLED_AE@host:port, http(s)://host:port/dicom-web (STOW-RS) or file://DIR")
      ->required();
  command->add_option("--include", args->filter.include, "In folders, take only files matching (glob, repeatable)");
  command->add_option("--exclude", args->filter.exclude, "In folders, skip files matching (glob, repeatable)");
  command
      ->add_option("--threads", args->threads,
                   "Files sent at once (default: one per core, or a destination's associations when more)")
      ->check(CLI::Range(1, 1024));
  add_network_options(*command, args->network, args->transcode);
  command
      ->add_option("--outage-limit", args->outage_limit_s,
                   "Seconds a destination may stay unreachable before the files it still needs are left "
                   "unsent (exit 4)")
      ->check(CLI::Range(1, 7 * 86400))
      ->capture_default_str();
  return [command, args, decoder = std::move(decoder)] { return command->parsed() ? run_store(*args, decoder) : -1; };
}

std::function<int()> add_echo_command(CLI::App& app) {
  auto url = std::make_shared<std::string>();
  auto network = std::make_shared<store::network_options>();
  CLI::App* command =
      app.add_subcommand("echo", "Check a destination: C-ECHO for dicom://, a QIDO-RS request for http(s)://");
  command->add_option("url", *url, "dicom://CALLED_AE@host:port or http(s)://host:port/dicom-web")->required();
  command->add_option("--calling-ae", network->calling_ae, "Our AE title")->capture_default_str();
  command->add_option("--connect-timeout", network->connect_timeout_s, "Seconds to connect and negotiate")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  return [command, url, network] {
    if (!command->parsed()) return -1;
    auto destination = store::open_destination(*url, std::filesystem::current_path(), *network);
    if (!destination || (*destination)->local_folder() != nullptr) {
      std::cerr << "dcmflow echo: "
                << (destination ? *url + ": expected dicom://AE@host:port or http(s)://host/dicom-web"
                                : destination.error().message)
                << '\n';
      return static_cast<int>(exit_usage);
    }
    // C-ECHO on a fresh association, or a QIDO-RS request: what a paused store probes with.
    if (const auto refused = (*destination)->probe()) {
      std::cerr << "dcmflow echo: " << refused->message << '\n';
      return static_cast<int>(exit_items_failed);
    }
    std::cout << "echo: " << (*destination)->url() << " answered\n";
    return static_cast<int>(exit_ok);
  };
}

}  // namespace dcmflow::cli
