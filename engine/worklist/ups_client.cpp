#include "worklist/ups_client.hpp"

#include <curl/curl.h>

#include <array>
#include <string_view>

#include "dicom/uid.hpp"
#include "store/destination.hpp"
#include "store/http_exchange.hpp"
#include "store/url_options.hpp"

namespace dcmflow::worklist {
namespace {

constexpr const char* dicom_json = "application/dicom+json";

std::string reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

std::string escaped(std::string_view text) {
  char* encoded = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = encoded != nullptr ? encoded : "";
  curl_free(encoded);
  return out;
}

// A request's outcome: the response when the server did what was asked (one of `wanted`).
ups_result<store::http_response> exchange(const ups_service& service, const std::string& target,
                                          const std::string* body, const char* method,
                                          std::initializer_list<long> wanted) {
  constexpr std::size_t max_answer = 16U << 20U;  // workitems and searches of them: JSON of KiBs
  store::http_response got = store::http_exchange(
      service.where, target, dicom_json, body, body != nullptr && !body->empty() ? dicom_json : "", method, max_answer);
  if (got.transport != CURLE_OK) return ups_error(0, service.label + ": " + got.transport_error);
  for (const long status : wanted) {
    if (got.status == status) return got;
  }
  std::string why = got.warning;
  if (why.empty() && got.content_type.starts_with("text/")) why = got.body.substr(0, 500);
  while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
  why = one_line(std::move(why));  // the server's words reach a terminal
  std::string message = std::to_string(got.status);
  if (const std::string phrase = reason_phrase(got.status); !phrase.empty()) message += " " + phrase;
  if (!why.empty()) message += ": " + why;
  return ups_error(got.status == 0 ? 599 : got.status, message);
}

std::string body_of(const workitem& item) { return json_text(dataset::array({item.attributes()})); }

std::string query_string(const query& match) {
  std::string out;
  for (const auto& [key, value] : match) out += (out.empty() ? "" : "&") + escaped(key) + "=" + escaped(value);
  return out;
}

}  // namespace

result<ups_service> parse_ups_url(const std::string& url) {
  ups_service service;
  service.label = store::redacted_url(url.substr(0, url.find('?')));
  // Our own options come out of the query; the rest are DICOMweb connection options.
  std::string rest;
  const auto query_at = url.find('?');
  const std::string_view options =
      query_at == std::string::npos ? std::string_view() : std::string_view(url).substr(query_at + 1);
  for (const auto& [key, value] : store::url_options(options)) {
    if (key == "dialect") {
      if (value == "standard")
        service.dialect = ups_dialect::standard;
      else if (value == "transaction-uid")
        service.dialect = ups_dialect::transaction_uid;
      else if (value == "transaction-in-body")
        service.dialect = ups_dialect::transaction_in_body;
      else if (value == "dcm4chee")
        service.dialect = ups_dialect::dcm4chee;
      else
        return failure{service.label + ": unknown dialect '" + std::string(value).substr(0, 40) +
                       "' (standard, transaction-uid, transaction-in-body, dcm4chee)"};
    } else if (key == "requester") {
      if (value.empty() || value.size() > 16)
        return failure{service.label + ": requester= must be an AE title of 1 to 16 characters"};
      service.requester = std::string(value);
    } else {
      rest += (rest.empty() ? "?" : "&") + std::string(key) + (value.empty() ? "" : "=" + std::string(value));
    }
  }
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return failure{service.label + ": a UPS-RS service is an http(s):// URL (its DICOMweb root)"};
  }
  auto where = store::parse_stow_url(url.substr(0, query_at) + rest);
  if (!where) return where.error();
  service.where = std::move(where).value();
  return service;
}

std::string_view event_name(ups_event_type type) {
  switch (type) {
    case ups_event_type::state_report: return "UPS State Report";
    case ups_event_type::cancel_requested: return "UPS Cancel Requested";
    case ups_event_type::progress_report: return "UPS Progress Report";
    case ups_event_type::scp_status_change: return "SCP Status Change";
    case ups_event_type::assigned: return "UPS Assigned";
  }
  return "?";
}

result<ups_event> parse_event(std::string_view message) {
  auto parsed = workitem::parse(message);
  if (!parsed) return failure{"an event that is not DICOM JSON: " + parsed.error().message};
  const std::string type = parsed->text(tag::event_type_id);
  if (type.empty() || type.size() > 1 || type[0] < '1' || type[0] > '5') {
    return failure{"an event without a known Event Type ID (0000,1002) (PS3.4 Table CC.2.4-1)"};
  }
  ups_event event;
  event.workitem_uid = parsed->text(tag::affected_sop_instance_uid);
  event.type = static_cast<ups_event_type>(type[0] - '0');
  event.attributes = std::move(parsed).value();
  return event;
}

ups_result<std::string> ups_client::create(const workitem& item) {
  const std::string body = body_of(item);
  std::string target = service_.where.root + "/workitems";
  if (!item.uid().empty()) target += "?workitem=" + escaped(item.uid());
  auto got = exchange(service_, target, &body, "POST", {201});
  if (!got) return got.error();
  if (!item.uid().empty()) return item.uid();
  // The server chose the UID: it is the last segment of the Location it answers.
  const std::string& location = got->location;
  const auto slash = location.find_last_of('/');
  if (location.empty() || slash == std::string::npos || slash + 1 >= location.size()) {
    return ups_error(0, service_.label + ": the server created a workitem but did not say where (no Location header)");
  }
  return location.substr(slash + 1);
}

ups_result<workitem> ups_client::retrieve(const std::string& uid) {
  auto got = exchange(service_, service_.where.root + "/workitems/" + escaped(uid), nullptr, nullptr, {200});
  if (!got) return got.error();
  auto parsed = workitem::parse(got->body);
  if (!parsed)
    return ups_error(0, service_.label + ": the workitem the server sent is not DICOM JSON: " + parsed.error().message);
  return std::move(parsed).value();
}

ups_result<std::vector<workitem>> ups_client::search(const query& match, std::size_t limit, std::size_t offset,
                                                     const std::vector<std::string>& include_fields) {
  query full = match;
  if (limit > 0) full.emplace_back("limit", std::to_string(limit));
  if (offset > 0) full.emplace_back("offset", std::to_string(offset));
  for (const auto& field : include_fields) full.emplace_back("includefield", field);
  std::string target = service_.where.root + "/workitems";
  if (!full.empty()) target += "?" + query_string(full);
  auto got = exchange(service_, target, nullptr, nullptr, {200, 204});
  if (!got) return got.error();
  std::vector<workitem> found;
  if (got->status == 204) return found;
  const dataset parsed = parse_dicom_json(got->body);
  if (!parsed.is_array()) return ups_error(0, service_.label + ": the search answer is not a DICOM JSON array");
  for (const auto& each : parsed) {
    if (!each.is_object())
      return ups_error(0, service_.label + ": the search answer holds something that is not a dataset");
    found.emplace_back(each);
  }
  return found;
}

ups_result<void> ups_client::update(const std::string& uid, const std::string& transaction, const workitem& changes) {
  std::string target = service_.where.root + "/workitems/" + escaped(uid);
  workitem sent = changes;
  if (!transaction.empty()) {
    switch (service_.dialect) {
      case ups_dialect::standard:
      case ups_dialect::dcm4chee: target += "?transaction=" + escaped(transaction); break;
      case ups_dialect::transaction_uid: target += "?transaction-uid=" + escaped(transaction); break;
      case ups_dialect::transaction_in_body: sent.set_text(tag::transaction_uid, "UI", transaction); break;
    }
  }
  const std::string body = body_of(sent);
  auto got = exchange(service_, target, &body, "POST", {200, 204});
  if (!got) return got.error();
  return {};
}

ups_result<std::string> ups_client::change_state(const std::string& uid, const std::string& transaction,
                                                 step_state to) {
  std::string target = service_.where.root + "/workitems/" + escaped(uid) + "/state";
  if (service_.dialect == ups_dialect::dcm4chee) target += "/" + escaped(service_.requester);
  workitem change;
  change.set_text(tag::procedure_step_state, "CS", std::string(state_name(to)));
  change.set_text(tag::transaction_uid, "UI", transaction);
  const std::string body = body_of(change);
  auto got = exchange(service_, target, &body, "PUT", {200, 204});
  if (!got) return got.error();
  return got->warning;
}

ups_result<void> ups_client::request_cancellation(const std::string& uid, const std::string& reason) {
  std::string target = service_.where.root + "/workitems/" + escaped(uid) + "/cancelrequest";
  if (service_.dialect == ups_dialect::dcm4chee) target += "/" + escaped(service_.requester);
  workitem request;
  if (!reason.empty()) request.set_text(tag::reason_for_cancellation, "LT", reason);
  const std::string body = body_of(request);
  auto got = exchange(service_, target, &body, "POST", {202});
  if (!got) return got.error();
  return {};
}

ups_result<void> ups_client::subscribe(const std::string& uid, const std::string& ae, bool deletion_lock,
                                       const query& filter) {
  query options;
  if (!filter.empty()) {  // PS3.18 11.10.1.2: filter=attribute=value,attribute=value
    std::string joined;
    for (const auto& [key, value] : filter) joined += (joined.empty() ? "" : ",") + key + "=" + value;
    options.emplace_back("filter", joined);
  }
  options.emplace_back("deletionlock", deletion_lock ? "true" : "false");
  const std::string target =
      service_.where.root + "/workitems/" + escaped(uid) + "/subscribers/" + escaped(ae) + "?" + query_string(options);
  const std::string empty;
  auto got = exchange(service_, target, &empty, "POST", {201, 200});
  if (!got) return got.error();
  return {};
}

ups_result<void> ups_client::unsubscribe(const std::string& uid, const std::string& ae) {
  auto got = exchange(service_, service_.where.root + "/workitems/" + escaped(uid) + "/subscribers/" + escaped(ae),
                      nullptr, "DELETE", {200, 204});
  if (!got) return got.error();
  return {};
}

ups_result<void> ups_client::suspend_global(const std::string& ae) {
  const std::string empty;
  auto got = exchange(
      service_,
      service_.where.root + "/workitems/" + global_subscription_uid + "/subscribers/" + escaped(ae) + "/suspend",
      &empty, "POST", {200, 204});
  if (!got) return got.error();
  return {};
}

result<std::unique_ptr<event_channel>> ups_client::open_events(const std::string& ae) {
  return event_channel::open(service_.where, service_.where.root + "/subscribers/" + escaped(ae));
}

std::string new_transaction_uid() { return dicom::random_uid(); }

}  // namespace dcmflow::worklist
