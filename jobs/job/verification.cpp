#include "job/verification.hpp"

#include <cctype>
#include <fstream>
#include <set>

#include "store/storage_commitment.hpp"

namespace dcmflow::job {
namespace {

// A destination's URL as a file name part: "dicom://ORTHANC@pacs:104" -> "dicom_ORTHANC_pacs_104".
std::string slug(const std::string& url) {
  std::string name;
  for (const char c : url) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
    if (plain) {
      name += c;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
    if (name.size() >= 60) break;
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name.empty() ? "destination" : name;
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

std::string verification_line(const verification& checked) {
  return "verify: " + std::to_string(checked.verified) + " instances found at their destinations, " +
         std::to_string(checked.missing) + " missing";
}

result<verification> verify_deliveries(journal::journal& journal,
                                       const std::vector<std::shared_ptr<store::destination>>& destinations) {
  verification outcome;
  std::set<std::string> missing_items;
  for (const auto& destination : destinations) {
    if (!destination->queryable()) {
      outcome.notes.push_back(destination->url() + ": not verified (it cannot be queried)");
      continue;
    }
    auto expected = journal.deliveries(destination->url());
    if (!expected) return expected.error();
    std::vector<std::string> verified;
    std::vector<std::string> missing;
    for (const auto& series : expected.value()) {
      auto held = destination->held_instances(series.study_instance_uid, series.series_instance_uid);
      if (!held) {
        outcome.notes.push_back(held.error().message);
        continue;
      }
      for (const auto& instance : series.instances) {
        if (instance.state == delivery_state::failed) continue;  // refused when sent: the refusal stays on record
        if (held->contains(instance.sop_instance_uid)) {
          verified.push_back(instance.sop_instance_uid);
        } else {
          missing.push_back(instance.sop_instance_uid);
          missing_items.insert(instance.item_key);
        }
      }
    }
    if (auto marked = journal.mark_deliveries(destination->url(), verified, delivery_state::verified); !marked)
      return marked.error();
    if (auto marked = journal.mark_deliveries(destination->url(), missing, delivery_state::missing); !marked)
      return marked.error();
    outcome.verified += verified.size();
    outcome.missing += missing.size();
  }
  outcome.missing_items.assign(missing_items.begin(), missing_items.end());
  return outcome;
}

result<std::vector<std::filesystem::path>> write_delivery_lists(
    const journal::journal& journal, const std::vector<std::shared_ptr<store::destination>>& destinations,
    const std::filesystem::path& folder, const std::string& suffix) {
  // An item that failed before any destination answered for it failed at every one; one
  // that reached the destinations has each destination's answer per instance.
  std::vector<std::pair<std::string, std::string>> failed;
  auto visited = journal.for_each_item([&](item_record&& item) {
    if (item.status == item_status::failed && item.instances.empty()) failed.emplace_back(item.input, item.error);
  });
  if (!visited) return visited.error();
  std::vector<std::filesystem::path> written;
  for (const auto& destination : destinations) {
    auto delivered = journal.deliveries(destination->url());
    if (!delivered) return delivered.error();
    const std::string name = slug(destination->url()) + suffix;
    const std::filesystem::path success_file = folder / ("success." + name + ".csv");
    const std::filesystem::path failure_file = folder / ("failure." + name + ".csv");
    std::ofstream success(success_file, std::ios::trunc);
    std::ofstream failure_list(failure_file, std::ios::trunc);
    success << "sop_instance_uid,study_instance_uid,series_instance_uid,input,state\n";
    failure_list << "input,sop_instance_uid,reason\n";
    for (const auto& series : delivered.value()) {
      for (const auto& instance : series.instances) {
        if (instance.state == delivery_state::missing) {
          failure_list << csv_field(instance.item_key) << ',' << instance.sop_instance_uid << ','
                       << csv_field("missing at " + destination->url() + " when verified") << '\n';
        } else if (instance.state == delivery_state::failed) {
          failure_list << csv_field(instance.item_key) << ',' << instance.sop_instance_uid << ','
                       << csv_field(instance.detail) << '\n';
        } else if (instance.state == delivery_state::commit_failed) {
          failure_list << csv_field(instance.item_key) << ',' << instance.sop_instance_uid << ','
                       << csv_field("storage commitment refused by " + destination->url() + ": " + instance.detail)
                       << '\n';
        } else {
          success << instance.sop_instance_uid << ',' << series.study_instance_uid << ',' << series.series_instance_uid
                  << ',' << csv_field(instance.item_key) << ',' << state_name(instance.state) << '\n';
        }
      }
    }
    for (const auto& [input, reason] : failed) failure_list << csv_field(input) << ",," << csv_field(reason) << '\n';
    if (!success.flush() || !failure_list.flush()) return failure{"cannot write " + success_file.string()};
    written.push_back(success_file);
    written.push_back(failure_file);
  }
  return written;
}

result<commitment_summary> commit_deliveries(journal::journal& journal,
                                             const std::vector<std::shared_ptr<store::destination>>& destinations,
                                             std::uint16_t listen_port, std::chrono::seconds wait) {
  commitment_summary summary;
  for (const auto& destination : destinations) {
    store::commits_storage* peer = destination->storage_commitment();
    if (peer == nullptr) {
      summary.notes.push_back(destination->url() + ": no storage commitment (DIMSE destinations only)");
      continue;
    }
    auto delivered = journal.deliveries(destination->url());
    if (!delivered) return delivered.error();
    std::vector<std::pair<std::string, std::string>> pending;
    for (const auto& series : delivered.value()) {
      for (const auto& instance : series.instances) {
        if (instance.state == delivery_state::stored || instance.state == delivery_state::verified) {
          pending.emplace_back(instance.sop_class_uid, instance.sop_instance_uid);
        }
      }
    }
    // One transaction per thousand instances: a request stays a reasonable size.
    for (std::size_t start = 0; start < pending.size(); start += 1000) {
      const auto chunk = std::span(pending).subspan(start, std::min<std::size_t>(1000, pending.size() - start));
      auto answer = peer->commit({listen_port, wait, chunk});
      if (!answer) {
        summary.notes.push_back(destination->url() + ": " + answer.error().message);
        continue;
      }
      std::vector<std::string> committed(answer->committed.begin(), answer->committed.end());
      if (auto marked = journal.mark_deliveries(destination->url(), committed, delivery_state::committed); !marked) {
        return marked.error();
      }
      summary.committed += committed.size();
      for (const auto& [uid, reason] : answer->failed) {
        const std::string one[] = {uid};
        if (auto marked = journal.mark_deliveries(destination->url(), one, delivery_state::commit_failed, reason);
            !marked) {
          return marked.error();
        }
      }
      summary.failed += answer->failed.size();
    }
  }
  return summary;
}

}  // namespace dcmflow::job
