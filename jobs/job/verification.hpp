#pragma once
// After storing: ask every destination that can be asked (C-FIND at IMAGE level, QIDO-RS)
// for the instances the journal says it received, one query per series, and record the
// answer per delivery (verified or missing). Items with a missing instance are what a
// second pass resends. Also writes the hand-over lists: per destination, the instances it
// holds (SUCCESS) and the items that did not get there, with their reasons (FAILURE).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "journal/journal.hpp"
#include "store/destination.hpp"

namespace dcmflow::job {

struct verification {
  std::size_t verified = 0;
  std::size_t missing = 0;
  std::vector<std::string> missing_items;  // keys, each once
  std::vector<std::string> notes;          // destinations that cannot be asked, queries that failed
};

// "verify: 5 instances found at their destinations, 0 missing".
[[nodiscard]] std::string verification_line(const verification& checked);

[[nodiscard]] result<verification> verify_deliveries(
    journal::journal& journal, const std::vector<std::shared_ptr<store::destination>>& destinations);

// Storage commitment for what every DIMSE destination received (and has not committed yet):
// the journal records each instance as committed or commit-failed (with its reason).
struct commitment_summary {
  std::size_t committed = 0;
  std::size_t failed = 0;
  std::vector<std::string> notes;  // destinations that cannot commit, requests that failed
};
[[nodiscard]] result<commitment_summary> commit_deliveries(
    journal::journal& journal, const std::vector<std::shared_ptr<store::destination>>& destinations,
    std::uint16_t listen_port, std::chrono::seconds wait);

// `folder`/success.<destination>.csv and failure.<destination>.csv (plus `suffix`, for shards).
[[nodiscard]] result<std::vector<std::filesystem::path>> write_delivery_lists(
    const journal::journal& journal, const std::vector<std::shared_ptr<store::destination>>& destinations,
    const std::filesystem::path& folder, const std::string& suffix);

}  // namespace dcmflow::job
