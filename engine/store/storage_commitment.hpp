#pragma once
// Storage Commitment Push Model (PS3.4 Annex J), as the SCU: an N-ACTION asks the peer to
// take responsibility for a list of instances; the peer answers later with an
// N-EVENT-REPORT listing what it committed and what failed. Most peers (Orthanc among them)
// send that report on an association of their own, to us: so we listen on a port (our AE
// must be configured at the peer with this host and port) from before the N-ACTION until the
// report for our transaction arrives or the wait runs out. A report on the N-ACTION's own
// association is not awaited: the association is released once the N-ACTION is answered.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "core/result.hpp"
#include "store/destination.hpp"
#include "store/dicom_url.hpp"

namespace dcmflow::store {

struct commitment_request {
  std::uint16_t listen_port = 0;   // where the peer's N-EVENT-REPORT comes
  std::chrono::seconds wait{120};  // for the report
  // (SOP Class UID, SOP Instance UID) of every instance to commit.
  std::span<const std::pair<std::string, std::string>> instances;
};

struct commitment_result {
  std::string transaction_uid;
  std::set<std::string> committed;            // SOP Instance UIDs
  std::map<std::string, std::string> failed;  // SOP Instance UID -> Failure Reason
};

[[nodiscard]] result<commitment_result> request_commitment(const dicom_url& peer, const commitment_request& request);

// A destination that can be asked to commit (destination::storage_commitment()).
class commits_storage {
 public:
  [[nodiscard]] virtual result<commitment_result> commit(const commitment_request& request) = 0;

 protected:
  ~commits_storage() = default;
};

}  // namespace dcmflow::store
