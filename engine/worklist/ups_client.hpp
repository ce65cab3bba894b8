#pragma once
// A UPS-RS client (PS3.18 11, the Worklist Service): Create, Retrieve, Search, Update,
// Change State, Request Cancellation, Subscribe/Unsubscribe/Suspend, and the event channel.
//
// The service is named by its root URL, http(s)://host[:port]/PATH, with the DICOMweb
// options of STOW-RS URLs (ca=, bearer_token_env=, timeout_s=...) and two of its own:
//   dialect=standard          the current PS3.18 spelling (the default)
//   dialect=transaction-uid   Update's Transaction UID as ?transaction-uid= (older servers)
//   dialect=transaction-in-body  Update's Transaction UID inside the dataset
//   dialect=dcm4chee          Change State at .../state/{AE} and Request Cancellation at
//                             .../cancelrequest/{AE} (dcm4chee-arc), the AE from requester=
//   requester=AE              our AE title where a dialect puts it in paths (DCMFLOW)
//
// Every refusal keeps the server's words: its HTTP status and the Warning header (PS3.18
// 8.1.3) or body, e.g. "409 Conflict: 0xC302 the Transaction UID is not that of the claim".

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "store/stow_destination.hpp"
#include "worklist/event_channel.hpp"
#include "worklist/workitem.hpp"

namespace dcmflow::worklist {

enum class ups_dialect { standard, transaction_uid, transaction_in_body, dcm4chee };

struct ups_service {
  store::stow_url where;  // root and connection options
  ups_dialect dialect = ups_dialect::standard;
  std::string requester = "DCMFLOW";
  std::string label;  // the URL as given, less credentials: for messages
};

[[nodiscard]] result<ups_service> parse_ups_url(const std::string& url);

// Why a request did not do what was asked.
struct ups_error {
  long http_status = 0;  // 0: no answer (transport), else the server's status
  std::string message;   // "409 Conflict: <the server's reason>" or the transport error

  ups_error() = default;
  ups_error(long status, std::string text) : http_status(status), message(std::move(text)) {}
  // NOLINTNEXTLINE(google-explicit-constructor): a plain failure is transport-like
  ups_error(failure why) : message(std::move(why.message)) {}
  // The server's "no" to this request (4xx). 5xx and no answer say nothing about it.
  [[nodiscard]] bool refused() const { return http_status >= 400 && http_status < 500; }
};

template <class T>
using ups_result = result<T, ups_error>;

// PS3.4 CC.2.4: the events of the UPS Event SOP Class.
enum class ups_event_type {
  state_report = 1,
  cancel_requested = 2,
  progress_report = 3,
  scp_status_change = 4,
  assigned = 5
};
[[nodiscard]] std::string_view event_name(ups_event_type type);

struct ups_event {
  std::string workitem_uid;  // Affected SOP Instance UID; empty for SCP Status Change
  ups_event_type type = ups_event_type::state_report;
  workitem attributes;  // the event's attributes (state, reason, progress...)
};
// A message of the event channel, checked: a DICOM JSON object with an Event Type ID.
[[nodiscard]] result<ups_event> parse_event(std::string_view message);

// Global subscriptions (PS3.18 11.9): the well-known UIDs that stand for "every workitem".
inline constexpr const char* global_subscription_uid = "1.2.840.10008.5.1.4.34.5";
inline constexpr const char* filtered_global_subscription_uid = "1.2.840.10008.5.1.4.34.5.1";

using query = std::vector<std::pair<std::string, std::string>>;  // attribute ID -> value

class ups_client {
 public:
  explicit ups_client(ups_service service) : service_(std::move(service)) {}
  [[nodiscard]] const ups_service& service() const { return service_; }

  // Create (11.4): the workitem's UID, given or assigned by the server.
  [[nodiscard]] ups_result<std::string> create(const workitem& item);
  [[nodiscard]] ups_result<workitem> retrieve(const std::string& uid);
  // Search (11.7): every match (none: an empty list).
  [[nodiscard]] ups_result<std::vector<workitem>> search(const query& match, std::size_t limit, std::size_t offset,
                                                         const std::vector<std::string>& include_fields = {});
  // Update (11.6): `transaction` empty for a SCHEDULED workitem.
  [[nodiscard]] ups_result<void> update(const std::string& uid, const std::string& transaction,
                                        const workitem& changes);
  // Change State (11.5). The server's warning when it answered with one (already so).
  [[nodiscard]] ups_result<std::string> change_state(const std::string& uid, const std::string& transaction,
                                                     step_state to);
  // Request Cancellation (11.8): the server cancels a SCHEDULED workitem itself, and tells
  // the performer of an IN PROGRESS one.
  [[nodiscard]] ups_result<void> request_cancellation(const std::string& uid, const std::string& reason);
  // Subscribe (11.9) to one workitem, or with global_subscription_uid to all (filtered:
  // filtered_global_subscription_uid and `filter`).
  [[nodiscard]] ups_result<void> subscribe(const std::string& uid, const std::string& ae, bool deletion_lock,
                                           const query& filter = {});
  [[nodiscard]] ups_result<void> unsubscribe(const std::string& uid, const std::string& ae);
  [[nodiscard]] ups_result<void> suspend_global(const std::string& ae);
  // The event channel of `ae` (11.11).
  [[nodiscard]] result<std::unique_ptr<event_channel>> open_events(const std::string& ae);

 private:
  ups_service service_;
};

// A new Transaction UID for a claim (2.25 + a random UUID).
[[nodiscard]] std::string new_transaction_uid();

}  // namespace dcmflow::worklist
