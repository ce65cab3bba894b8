#include "cli/capabilities_command.hpp"

#include <dcmflow/codecs/registry.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"
#include "job/automatic_codec.hpp"
#include "store/capabilities.hpp"
#include "store/dimse_destination.hpp"
#include "store/part10_identity.hpp"
#include "store/stow_destination.hpp"
#include "store/web_capabilities.hpp"

namespace dcmflow::cli {
namespace {

struct capabilities_arguments {
  std::string url;
  store::network_options network;
  std::vector<std::filesystem::path> also_for;  // folders or files whose SOP classes are asked about too
  bool json = false;
};

// The SOP classes of the Part 10 files under `paths` (files that are not are passed over).
std::set<std::string> classes_of(const std::vector<std::filesystem::path>& paths) {
  std::set<std::string> found;
  const auto add = [&](const std::filesystem::path& file) {
    if (auto identity = store::read_part10_file_identity(file)) found.insert(identity->sop_class_uid);
  };
  for (const auto& path : paths) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
        if (entry.is_regular_file(error)) add(entry.path());
      }
    } else {
      add(path);
    }
  }
  return found;
}

std::string name_of(const std::string& uid) { return store::uid_keyword(uid); }

// The codec that writes a syntax, as `--codec` and `dcmflow codecs` name it ("j2k:RATIO").
std::string codec_label(const std::string& uid) {
  const codecs::transfer_syntax* syntax = codecs::find_transfer_syntax(uid);
  if (syntax == nullptr || syntax->codec.empty()) return uid;
  return std::string(syntax->codec) + std::string(syntax->option.placeholder());
}

std::string syntax_name(const std::string& uid) {
  const std::string_view name = codecs::transfer_syntax_name(uid);
  return name.empty() ? uid : std::string(name);
}

void print_table(const std::string& url, const store::peer_capabilities& found,
                 const std::vector<std::string>& storage_classes, const std::vector<std::string>& syntaxes,
                 std::string_view best) {
  std::cout << "capabilities: " << url
            << "\n\nstorage, by the codec that writes each transfer syntax (yes: accepted; "
               "no: refused, reasons below)\n";
  std::cout << std::left << std::setw(56) << "SOP class";
  for (const auto& syntax : syntaxes) std::cout << std::setw(14) << codec_label(syntax);
  std::cout << '\n';
  for (const auto& sop_class : storage_classes) {
    std::cout << std::setw(56) << name_of(sop_class).substr(0, 55);
    for (const auto& syntax : syntaxes) std::cout << std::setw(14) << (found.accepts(sop_class, syntax) ? "yes" : "no");
    std::cout << '\n';
  }
  std::cout << "\nservices\n";
  for (const auto& answer : found.contexts) {
    if (std::find(storage_classes.begin(), storage_classes.end(), answer.abstract_syntax) != storage_classes.end()) {
      continue;
    }
    std::cout << "  " << std::setw(54) << name_of(answer.abstract_syntax) << answer.reason << '\n';
  }
  std::cout << "\nrefused\n";
  for (const auto& answer : found.contexts) {
    if (answer.accepted) continue;
    if (std::find(storage_classes.begin(), storage_classes.end(), answer.abstract_syntax) == storage_classes.end()) {
      continue;
    }
    std::cout << "  " << name_of(answer.abstract_syntax) << " in " << syntax_name(answer.transfer_syntax) << ": "
              << answer.reason << '\n';
  }
  std::cout << "\ncodec: auto would send " << best << '\n';
}

void print_json(const std::string& url, const store::peer_capabilities& found, std::string_view best) {
  nlohmann::json contexts = nlohmann::json::array();
  for (const auto& answer : found.contexts) {
    contexts.push_back({{"sop_class", answer.abstract_syntax},
                        {"transfer_syntax", answer.transfer_syntax},
                        {"accepted", answer.accepted},
                        {"reason", answer.reason}});
  }
  const nlohmann::json out = {
      {"url", url}, {"echo", true}, {"presentation_contexts", contexts}, {"auto_codec", std::string(best)}};
  std::cout << out.dump(2) << '\n';
}

int run_web_capabilities(const capabilities_arguments& args) {
  auto root = store::parse_stow_url(args.url);
  if (!root) {
    std::cerr << "dcmflow capabilities: " << root.error().message << '\n';
    return exit_usage;
  }
  auto found = store::probe_web_capabilities(*root);
  if (!found) {
    std::cerr << "dcmflow capabilities: " << found.error().message << '\n';
    return exit_items_failed;
  }
  const std::string shown = store::redacted_url(args.url);
  if (args.json) {
    nlohmann::json services = nlohmann::json::array();
    for (const auto& answer : found->services) {
      services.push_back({{"service", answer.service},
                          {"support", std::string(store::words_of(answer.offered))},
                          {"evidence", answer.evidence}});
    }
    const nlohmann::json out = {{"url", shown},
                                {"services", services},
                                {"wadl_resources", found->wadl_resources},
                                {"transfer_syntaxes", found->transfer_syntaxes},
                                {"transfer_syntaxes_evidence", found->transfer_syntaxes_evidence}};
    std::cout << out.dump(2) << '\n';
    return exit_ok;
  }
  std::cout << "capabilities: " << shown << "\n\n";
  for (const auto& answer : found->services) {
    std::cout << "  " << std::left << std::setw(30) << answer.service << std::setw(15)
              << store::words_of(answer.offered) << answer.evidence << '\n';
  }
  if (!found->wadl_resources.empty()) {
    std::cout << "\nthe WADL lists:";
    for (const auto& path : found->wadl_resources) std::cout << ' ' << path;
    std::cout << '\n';
  }
  if (found->transfer_syntaxes.empty()) {
    std::cout << "\ntransfer syntaxes accepted: not said (no known vendor endpoint answered)\n";
  } else {
    std::cout << "\ntransfer syntaxes accepted (" << found->transfer_syntaxes_evidence << "):\n";
    for (const auto& syntax : found->transfer_syntaxes)
      std::cout << "  " << syntax << "  " << syntax_name(syntax) << '\n';
  }
  return exit_ok;
}

int run_capabilities(const capabilities_arguments& args) {
  if (args.url.starts_with("http://") || args.url.starts_with("https://")) return run_web_capabilities(args);
  if (!args.url.starts_with("dicom://") && !args.url.starts_with("dicoms://")) {
    std::cerr << "dcmflow capabilities: " << args.url << ": expected dicom://AE@host:port or dicoms://AE@host:port\n";
    return exit_usage;
  }
  auto peer = store::parse_dicom_url(args.url, args.network);
  if (!peer) {
    std::cerr << "dcmflow capabilities: " << peer.error().message << '\n';
    return exit_usage;
  }
  // A peer that does not answer C-ECHO is not asked the rest.
  store::dimse_destination echo_peer(*peer, args.url);
  if (const auto refused = echo_peer.probe()) {
    std::cerr << "dcmflow capabilities: " << refused->message << '\n';
    return exit_items_failed;
  }
  std::vector<std::string> storage_classes;
  for (const auto uid : store::written_storage_classes()) storage_classes.emplace_back(uid);
  for (const auto& uid : classes_of(args.also_for)) {
    if (std::find(storage_classes.begin(), storage_classes.end(), uid) == storage_classes.end()) {
      storage_classes.push_back(uid);
    }
  }
  const std::vector<std::string> syntaxes = job::written_transfer_syntaxes();
  auto found = store::probe_capabilities(*peer, storage_classes, syntaxes);
  if (!found) {
    std::cerr << "dcmflow capabilities: " << found.error().message << '\n';
    return exit_items_failed;
  }
  const std::string best = store::best_lossless_codec(*found, job::lossless_codecs_by_preference());
  if (args.json) {
    print_json(args.url, *found, best);
  } else {
    print_table(args.url, *found, storage_classes, syntaxes, best);
  }
  return exit_ok;
}

}  // namespace

std::function<int()> add_capabilities_command(CLI::App& app) {
  auto args = std::make_shared<capabilities_arguments>();
  CLI::App* command = app.add_subcommand(
      "capabilities", "What a DICOM peer accepts: each SOP class dcmflow writes in each transfer syntax, and services");
  command
      ->add_option("url", args->url,
                   "dicom://CALLED_AE@host:port (dicoms:// with ca=FILE for TLS), or a DICOMweb root "
                   "http(s)://host:port/dicom-web")
      ->required();
  command->add_option("--for", args->also_for, "Files or folders whose SOP classes are asked about too");
  command->add_flag("--json", args->json, "One JSON object: presentation_contexts, auto_codec");
  command->add_option("--calling-ae", args->network.calling_ae, "Our AE title")->capture_default_str();
  command->add_option("--connect-timeout", args->network.connect_timeout_s, "Seconds to connect and negotiate")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  return [command, args] { return command->parsed() ? run_capabilities(*args) : -1; };
}

}  // namespace dcmflow::cli
