#pragma once
// What a STOW-RS response says (PS3.18 10.5.3), read without the network: the HTTP status
// as what to do with the request, and the body instance by instance. An instance counts as
// stored only when the response's Referenced SOP Sequence names it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace dcmflow::store {

enum class stow_status_meaning {
  verdicts,         // 200, 202, 409: read the body, instance by instance
  halve,            // 413 for several instances: each half goes on its own, down to one
  try_again,        // 429, 5xx: the server is busy or restarting
  refuses_us,       // 401, 403 (who we are), 404 (no STOW-RS here), 415: no instance will be taken
  refuses_request,  // any other status: this request is refused, sending it again would not help
};
[[nodiscard]] stow_status_meaning meaning_of_status(long http_status, std::size_t instances_in_request);

struct stow_failure {
  std::uint64_t reason = 0;  // Failure Reason (0008,1197); 0 when none was given
  std::string text;          // "Failure Reason A700", or that none was given
};

// The SOP Instance UIDs a response names: in its Referenced SOP Sequence (0008,1199) and its
// Failed SOP Sequence (0008,1198). A body that is not DICOM JSON names none.
struct stow_verdicts {
  std::set<std::string> stored;
  std::map<std::string, stow_failure> failed;  // by SOP Instance UID
};
[[nodiscard]] stow_verdicts read_stow_verdicts(std::string_view body);

// The first value of a DICOM JSON attribute (PS3.18 F.2) of `item`, as text; empty when it
// has none. Hostile JSON (wrong types anywhere) gives empty, never an exception.
[[nodiscard]] std::string first_value_text(const nlohmann::json& item, const char* tag);

enum class instance_verdict {
  stored,            // named in the Referenced SOP Sequence
  refused,           // failed, for a reason that holds for this instance
  out_of_resources,  // failed with A7xx, as a DIMSE A7xx: "not now", worth another try
  unconfirmed,       // not named at all: not stored, worth another try
};
// What the response says of one instance; `failure` is set for refused and out_of_resources.
[[nodiscard]] instance_verdict verdict_for(const stow_verdicts& verdicts, const std::string& sop_instance_uid,
                                           const stow_failure** failure);

}  // namespace dcmflow::store
