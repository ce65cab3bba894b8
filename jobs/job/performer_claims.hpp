#pragma once
// What a performer (`dcmflow work`) keeps of its claims, in its state folder: one small
// JSON file per claimed workitem (its UID, our Transaction UID, when we started, and a
// cancellation request once heard), written whole and synced before the server is asked,
// so a performer started again knows what it holds. A UID names files only when it is one.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "worklist/workitem.hpp"

namespace dcmflow::job {

struct claim {
  std::string workitem;
  std::string transaction;
  std::string started;  // DT: the Performed Procedure Step Start
  // A cancellation request heard for it: kept with the claim, so that a performer that dies
  // before the workitem is CANCELED ends it CANCELED when it starts again, not COMPLETED.
  bool cancel_requested = false;
  std::string cancel_reason;
  std::optional<worklist::code> cancel_code;
};

// A UID (PS3.5 9.1): digits and dots, at most 64 characters.
[[nodiscard]] bool is_uid(std::string_view text);

class claim_store {
 public:
  explicit claim_store(std::filesystem::path state_folder) : folder_(std::move(state_folder)) {}

  // Written to a temporary file, synced, renamed into place and the folder synced.
  [[nodiscard]] result<void> keep(const claim& kept) const;
  void forget(const std::string& uid) const;
  [[nodiscard]] bool has(const std::string& uid) const;
  // Every claim kept (files that are not whole claims with UIDs are passed over).
  [[nodiscard]] std::vector<claim> all() const;
  // Where a workitem's job (job file, journal, log) lives.
  [[nodiscard]] std::filesystem::path job_folder(const std::string& uid) const { return folder_ / "workitems" / uid; }

 private:
  [[nodiscard]] std::filesystem::path claims() const { return folder_ / "claims"; }
  [[nodiscard]] std::filesystem::path file_of(const std::string& uid) const { return claims() / (uid + ".json"); }
  std::filesystem::path folder_;
};

}  // namespace dcmflow::job
