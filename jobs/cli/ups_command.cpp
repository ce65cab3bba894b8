#include "cli/ups_command.hpp"

#include <csignal>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/exit_codes.hpp"
#include "worklist/performed_step.hpp"
#include "worklist/ups_client.hpp"

namespace dcmflow::cli {
namespace {

struct ups_arguments {
  std::string url;
  std::string uid;
  std::string json_file;
  std::vector<std::string> set;
  bool json = false;
  std::string state;
  std::string label;
  std::string worklist_label;
  std::vector<std::string> match;
  std::size_t limit = 0;
  std::size_t offset = 0;
  std::string transaction;
  double percent = 0;
  std::string description;
  std::string reason;
  std::string ae;
  bool deletion_lock = false;
  std::size_t count = 0;
  double seconds = 0;
};

std::atomic<bool> interrupted{false};

// A refusal (4xx) is the server's answer to this request: exit 1; no answer, or a server
// error (5xx), exit 3.
int report(const char* what, const worklist::ups_error& error) {
  std::cerr << "dcmflow ups " << what << ": " << error.message << '\n';
  return error.refused() ? exit_items_failed : exit_fatal;
}

result<worklist::workitem> workitem_from(const ups_arguments& args) {
  worklist::workitem item;
  if (!args.json_file.empty()) {
    std::ifstream in(args.json_file, std::ios::binary);
    if (!in) return failure{args.json_file + ": cannot read"};
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = worklist::workitem::parse(text.str());
    if (!parsed) return failure{args.json_file + ": " + parsed.error().message};
    item = std::move(parsed).value();
  }
  for (const auto& assignment : args.set) {
    if (auto assigned = item.assign(assignment); !assigned) return failure{"--set: " + assigned.error().message};
  }
  return item;
}

using worklist::one_line;

// One line: UID, state, label, scheduled start, worklist label. No patient data: a search's
// lines end up in logs.
void print_summary(const worklist::workitem& item) {
  std::cout << one_line(item.uid()) << "  " << one_line(item.text(worklist::tag::procedure_step_state)) << "  "
            << one_line(item.text(worklist::tag::procedure_step_label));
  if (const auto start = item.text(worklist::tag::scheduled_procedure_step_start); !start.empty())
    std::cout << "  start " << one_line(start);
  if (const auto list = item.text(worklist::tag::worklist_label); !list.empty())
    std::cout << "  worklist " << one_line(list);
  std::cout << '\n';
}

int run_create(worklist::ups_client& client, const ups_arguments& args) {
  auto item = workitem_from(args);
  if (!item) {
    std::cerr << "dcmflow ups create: " << item.error().message << '\n';
    return exit_usage;
  }
  if (!args.uid.empty()) item->set_text(worklist::tag::sop_instance_uid, "UI", args.uid);
  if (auto ready = item->complete_for_create(); !ready) {
    std::cerr << "dcmflow ups create: " << ready.error().message << '\n';
    return exit_usage;
  }
  auto created = client.create(*item);
  if (!created) return report("create", created.error());
  std::cout << one_line(*created) << '\n';
  return exit_ok;
}

int run_get(worklist::ups_client& client, const ups_arguments& args) {
  auto item = client.retrieve(args.uid);
  if (!item) return report("get", item.error());
  if (args.json) {
    std::cout << worklist::json_text(item->attributes(), 2) << '\n';
  } else {
    print_summary(*item);
    for (const auto& progress : item->items(worklist::tag::progress_information_sequence)) {
      const auto percent = worklist::text_in(progress, worklist::tag::procedure_step_progress);
      const auto said = worklist::text_in(progress, worklist::tag::procedure_step_progress_description);
      if (!percent.empty() || !said.empty())
        std::cout << "  progress " << one_line(percent) << "% " << one_line(said) << '\n';
      if (const auto why = worklist::text_in(progress, worklist::tag::reason_for_cancellation); !why.empty()) {
        std::cout << "  cancellation: " << one_line(why) << '\n';
      }
    }
  }
  return exit_ok;
}

int run_search(worklist::ups_client& client, const ups_arguments& args) {
  worklist::query match;
  if (!args.state.empty()) match.emplace_back("ProcedureStepState", args.state);
  if (!args.label.empty()) match.emplace_back("ProcedureStepLabel", args.label);
  if (!args.worklist_label.empty()) match.emplace_back("WorklistLabel", args.worklist_label);
  for (const auto& each : args.match) {
    const auto equals = each.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "dcmflow ups search: --match expects Attribute=Value\n";
      return exit_usage;
    }
    match.emplace_back(each.substr(0, equals), each.substr(equals + 1));
  }
  auto found = client.search(match, args.limit, args.offset);
  if (!found) return report("search", found.error());
  if (args.json) {
    worklist::dataset all = worklist::dataset::array();
    for (const auto& item : *found) all.push_back(item.attributes());
    std::cout << worklist::json_text(all, 2) << '\n';
  } else {
    for (const auto& item : *found) print_summary(item);
  }
  return exit_ok;
}

int run_claim(worklist::ups_client& client, const ups_arguments& args) {
  const std::string transaction = args.transaction.empty() ? worklist::new_transaction_uid() : args.transaction;
  auto claimed = client.change_state(args.uid, transaction, worklist::step_state::in_progress);
  if (!claimed) return report("claim", claimed.error());
  std::cout << transaction << '\n';  // the performer's key to the workitem from now on
  return exit_ok;
}

int run_progress(worklist::ups_client& client, const ups_arguments& args) {
  auto current = client.retrieve(args.uid);
  if (!current) return report("progress", current.error());
  auto updated =
      client.update(args.uid, args.transaction, worklist::progress_update(*current, args.percent, args.description));
  if (!updated) return report("progress", updated.error());
  return exit_ok;
}

// Final State attributes first (Update), then the state (Change State): PS3.4 CC.2.5.1.3.
int end_workitem(worklist::ups_client& client, const ups_arguments& args, worklist::step_state to) {
  const char* what = to == worklist::step_state::completed ? "complete" : "cancel";
  auto current = client.retrieve(args.uid);
  if (!current) return report(what, current.error());
  const worklist::workitem final_state = to == worklist::step_state::completed
                                             ? worklist::completion_update(*current, client.service().requester, {}, {})
                                             : worklist::cancellation_update(*current, args.reason);
  if (auto updated = client.update(args.uid, args.transaction, final_state); !updated)
    return report(what, updated.error());
  auto changed = client.change_state(args.uid, args.transaction, to);
  if (!changed) return report(what, changed.error());
  if (!changed->empty()) std::cerr << "dcmflow ups " << what << ": the server warned: " << *changed << '\n';
  return exit_ok;
}

int run_request_cancel(worklist::ups_client& client, const ups_arguments& args) {
  auto requested = client.request_cancellation(args.uid, args.reason);
  if (!requested) return report("request-cancel", requested.error());
  return exit_ok;
}

void print_event(const worklist::ups_event& event, bool json) {
  if (json) {
    std::cout << worklist::json_text(event.attributes.attributes()) << std::endl;
    return;
  }
  std::cout << worklist::event_name(event.type) << "  " << one_line(event.workitem_uid);
  const auto& item = event.attributes;
  if (const auto state = item.text(worklist::tag::procedure_step_state); !state.empty())
    std::cout << "  " << one_line(state);
  for (const auto& progress : item.items(worklist::tag::progress_information_sequence)) {
    if (const auto percent = worklist::text_in(progress, worklist::tag::procedure_step_progress); !percent.empty()) {
      std::cout << "  " << one_line(percent) << "%";
    }
    if (const auto said = worklist::text_in(progress, worklist::tag::procedure_step_progress_description);
        !said.empty()) {
      std::cout << "  " << one_line(said);
    }
  }
  if (const auto why = item.text(worklist::tag::reason_for_cancellation); !why.empty())
    std::cout << "  reason: " << one_line(why);
  std::cout << std::endl;  // each event as it comes: a pipe reader sees it now
}

int run_subscribe(worklist::ups_client& client, const ups_arguments& args) {
  worklist::query filter;
  for (const auto& each : args.match) {
    const auto equals = each.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "dcmflow ups subscribe: --filter expects Attribute=Value\n";
      return exit_usage;
    }
    filter.emplace_back(each.substr(0, equals), each.substr(equals + 1));
  }
  const std::string target = !args.uid.empty() ? args.uid
                             : filter.empty()  ? worklist::global_subscription_uid
                                               : worklist::filtered_global_subscription_uid;
  // The channel first: events of the subscription itself (the current state) are not lost.
  auto channel = client.open_events(args.ae);
  if (!channel) {
    std::cerr << "dcmflow ups subscribe: " << channel.error().message << '\n';
    return exit_fatal;
  }
  if (auto subscribed = client.subscribe(target, args.ae, args.deletion_lock, filter); !subscribed) {
    return report("subscribe", subscribed.error());
  }
  std::cerr << "dcmflow ups subscribe: " << args.ae << " subscribed to "
            << (args.uid.empty() ? "every workitem" : "workitem " + args.uid) << "; waiting for events\n";
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  const auto until = args.seconds > 0 ? std::chrono::steady_clock::now() +
                                            std::chrono::milliseconds(static_cast<long long>(args.seconds * 1000))
                                      : std::chrono::steady_clock::time_point::max();
  std::size_t seen = 0;
  while (!interrupted && std::chrono::steady_clock::now() < until && (args.count == 0 || seen < args.count)) {
    auto message = (*channel)->next(std::chrono::milliseconds(250));
    if (!message) {
      std::cerr << "dcmflow ups subscribe: " << message.error().message << '\n';
      return exit_fatal;
    }
    if (!*message) continue;
    auto event = worklist::parse_event(**message);
    if (!event) {
      std::cerr << "dcmflow ups subscribe: " << event.error().message << '\n';
      continue;
    }
    print_event(*event, args.json);
    ++seen;
  }
  return exit_ok;
}

int run_unsubscribe(worklist::ups_client& client, const ups_arguments& args) {
  auto done = client.unsubscribe(args.uid.empty() ? worklist::global_subscription_uid : args.uid, args.ae);
  if (!done) return report("unsubscribe", done.error());
  return exit_ok;
}

int run_suspend(worklist::ups_client& client, const ups_arguments& args) {
  auto done = client.suspend_global(args.ae);
  if (!done) return report("suspend", done.error());
  return exit_ok;
}

CLI::App* add_url(CLI::App* command, ups_arguments& args) {
  command
      ->add_option("url", args.url,
                   "The UPS-RS root, http(s)://host:port/PATH (options: dialect=, requester=, ca=, "
                   "bearer_token_env=, timeout_s=)")
      ->required();
  return command;
}

void add_transaction(CLI::App* command, ups_arguments& args) {
  command->add_option("--transaction", args.transaction, "The Transaction UID `ups claim` printed")->required();
}

}  // namespace

std::function<int()> add_ups_command(CLI::App& app) {
  auto args = std::make_shared<ups_arguments>();
  CLI::App* ups = app.add_subcommand("ups", "Worklists (UPS-RS): create, find, claim and end workitems; events");
  ups->require_subcommand(1);

  auto* create = add_url(ups->add_subcommand("create", "Create a SCHEDULED workitem; prints its UID"), *args);
  create->add_option("--json", args->json_file, "The workitem as DICOM JSON (a dataset, or an array of one)");
  create->add_option("--set", args->set, "Keyword=Value or Sequence.Keyword=Value (checked for its VR)");
  create->add_option("--uid", args->uid, "The workitem's UID (default: the JSON's SOPInstanceUID, else the server's)");

  auto* get = add_url(ups->add_subcommand("get", "One workitem"), *args);
  get->add_option("uid", args->uid, "The workitem's UID")->required();
  get->add_flag("--json", args->json, "The whole dataset as DICOM JSON");

  auto* search = add_url(ups->add_subcommand("search", "Workitems that match (QIDO-style)"), *args);
  search->add_option("--state", args->state, "SCHEDULED, IN PROGRESS, COMPLETED or CANCELED");
  search->add_option("--label", args->label, "Procedure Step Label (wildcards * and ?)");
  search->add_option("--worklist-label", args->worklist_label, "Worklist Label");
  search->add_option("--match", args->match, "Attribute=Value, any attribute the server matches on");
  search->add_option("--limit", args->limit, "At most N workitems");
  search->add_option("--offset", args->offset, "Skip the first N");
  search->add_flag("--json", args->json, "The workitems as DICOM JSON");

  auto* claim = add_url(
      ups->add_subcommand("claim", "Take a SCHEDULED workitem (IN PROGRESS); prints the Transaction UID"), *args);
  claim->add_option("uid", args->uid, "The workitem's UID")->required();
  claim->add_option("--transaction", args->transaction, "Use this Transaction UID (default: a new one)");

  auto* progress = add_url(ups->add_subcommand("progress", "Report progress on a claimed workitem"), *args);
  progress->add_option("uid", args->uid, "The workitem's UID")->required();
  add_transaction(progress, *args);
  progress->add_option("--percent", args->percent, "Procedure Step Progress, 0 to 100")
      ->required()
      ->check(
          [](const std::string& text) -> std::string {
            char* end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            const bool number = end != text.c_str() && *end == '\0' && std::isfinite(value);
            return number && value >= 0 && value <= 100 ? "" : "a number from 0 to 100";
          },
          "0 to 100");
  progress->add_option("--description", args->description, "Procedure Step Progress Description");

  auto* complete = add_url(ups->add_subcommand("complete", "Set the Final State attributes, then COMPLETED"), *args);
  complete->add_option("uid", args->uid, "The workitem's UID")->required();
  add_transaction(complete, *args);

  auto* cancel = add_url(ups->add_subcommand("cancel", "End a claimed workitem as CANCELED"), *args);
  cancel->add_option("uid", args->uid, "The workitem's UID")->required();
  add_transaction(cancel, *args);
  cancel->add_option("--reason", args->reason, "Reason For Cancellation");

  auto* request_cancel =
      add_url(ups->add_subcommand("request-cancel", "Ask the performer of a workitem to cancel it"), *args);
  request_cancel->add_option("uid", args->uid, "The workitem's UID")->required();
  request_cancel->add_option("--reason", args->reason, "Reason For Cancellation");

  auto* subscribe =
      add_url(ups->add_subcommand("subscribe", "Subscribe, then print event reports as they come"), *args);
  subscribe->add_option("uid", args->uid, "One workitem (default: every workitem, a global subscription)");
  subscribe->add_option("--ae", args->ae, "The subscriber's AE title (names the event channel)")->required();
  subscribe->add_option("--filter", args->match,
                        "Attribute=Value: only matching workitems (a filtered global subscription)");
  subscribe->add_flag("--deletion-lock", args->deletion_lock,
                      "Ask the server to keep ended workitems until we saw them");
  subscribe->add_option("--count", args->count, "Stop after N events");
  subscribe->add_option("--seconds", args->seconds, "Stop after S seconds");
  subscribe->add_flag("--json", args->json, "Each event as one line of DICOM JSON");

  auto* unsubscribe = add_url(ups->add_subcommand("unsubscribe", "End a subscription"), *args);
  unsubscribe->add_option("uid", args->uid, "One workitem (default: the global subscription)");
  unsubscribe->add_option("--ae", args->ae, "The subscriber's AE title")->required();

  auto* suspend = add_url(
      ups->add_subcommand("suspend", "Suspend a global subscription (no new workitems; the others kept)"), *args);
  suspend->add_option("--ae", args->ae, "The subscriber's AE title")->required();

  return [=] {
    if (!ups->parsed()) return -1;
    auto service = worklist::parse_ups_url(args->url);
    if (!service) {
      std::cerr << "dcmflow ups: " << service.error().message << '\n';
      return static_cast<int>(exit_usage);
    }
    worklist::ups_client client(std::move(service).value());
    if (create->parsed()) return run_create(client, *args);
    if (get->parsed()) return run_get(client, *args);
    if (search->parsed()) return run_search(client, *args);
    if (claim->parsed()) return run_claim(client, *args);
    if (progress->parsed()) return run_progress(client, *args);
    if (complete->parsed()) return end_workitem(client, *args, worklist::step_state::completed);
    if (cancel->parsed()) return end_workitem(client, *args, worklist::step_state::canceled);
    if (request_cancel->parsed()) return run_request_cancel(client, *args);
    if (subscribe->parsed()) return run_subscribe(client, *args);
    if (unsubscribe->parsed()) return run_unsubscribe(client, *args);
    return run_suspend(client, *args);
  };
}

}  // namespace dcmflow::cli
