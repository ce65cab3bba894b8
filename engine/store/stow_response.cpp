#include "store/stow_response.hpp"

#include <cstdio>

namespace dcmflow::store {
namespace {

std::string hex_status(std::uint64_t status) {
  char text[16];
  std::snprintf(text, sizeof text, "%04llX", static_cast<unsigned long long>(status));
  return text;
}

}  // namespace

std::string first_value_text(const nlohmann::json& item, const char* tag) {
  if (!item.is_object()) return {};
  const auto found = item.find(tag);
  if (found == item.end() || !found->is_object() || !found->contains("Value")) return {};
  const auto& values = (*found)["Value"];
  if (!values.is_array() || values.empty()) return {};
  return values[0].is_string() ? values[0].get<std::string>() : values[0].dump();
}

stow_status_meaning meaning_of_status(long http_status, std::size_t instances_in_request) {
  if (http_status == 413 && instances_in_request > 1) return stow_status_meaning::halve;
  if (http_status == 429 || http_status >= 500) return stow_status_meaning::try_again;
  if (http_status == 200 || http_status == 202 || http_status == 409) return stow_status_meaning::verdicts;
  if (http_status == 401 || http_status == 403 || http_status == 404 || http_status == 415) {
    return stow_status_meaning::refuses_us;
  }
  return stow_status_meaning::refuses_request;
}

stow_verdicts read_stow_verdicts(std::string_view body) {
  stow_verdicts verdicts;
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_array() && !document.empty()) document = document[0];
  if (!document.is_object()) return verdicts;
  const auto items = [&](const char* tag) {
    const auto found = document.find(tag);
    return found != document.end() && found->contains("Value") && (*found)["Value"].is_array()
               ? (*found)["Value"]
               : nlohmann::json::array();
  };
  for (const auto& item : items("00081199")) {
    if (item.is_object()) verdicts.stored.insert(first_value_text(item, "00081155"));
  }
  for (const auto& item : items("00081198")) {
    if (!item.is_object()) continue;
    const auto reason = item.find("00081197");
    stow_failure failed{0, "no Failure Reason given"};
    if (reason != item.end() && reason->contains("Value") && !(*reason)["Value"].empty() &&
        (*reason)["Value"][0].is_number_unsigned()) {
      failed.reason = (*reason)["Value"][0].get<std::uint64_t>();
      failed.text = "Failure Reason " + hex_status(failed.reason);
    }
    verdicts.failed[first_value_text(item, "00081155")] = failed;
  }
  return verdicts;
}

instance_verdict verdict_for(const stow_verdicts& verdicts, const std::string& sop_instance_uid,
                             const stow_failure** failure) {
  *failure = nullptr;
  if (const auto failed = verdicts.failed.find(sop_instance_uid); failed != verdicts.failed.end()) {
    *failure = &failed->second;
    const bool out_of_resources = (failed->second.reason & 0xFF00U) == 0xA700U;
    return out_of_resources ? instance_verdict::out_of_resources : instance_verdict::refused;
  }
  if (verdicts.stored.contains(sop_instance_uid)) return instance_verdict::stored;
  return instance_verdict::unconfirmed;
}

}  // namespace dcmflow::store
