#pragma once
// The run's memory: one SQLite database (WAL) with a row per input item and per instance it
// became, and per destination each instance reached. A run killed at any instant and
// started again reads it back and skips what is finished: an item counts as finished only
// once its outcome is committed here, after every output was written, so a killed item is
// simply redone (its UIDs are derived from its content, so the redo is the same object).
//
// One writer: the graph's journal stage. Not thread-safe.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"

struct sqlite3;

namespace dcmflow::journal {

// What a later run needs to know of an item to skip it.
struct finished_item {
  item_status state = item_status::pending;
  std::string content_sha256;
};

struct pending_item {
  std::string key;  // the input's name: a path, or "archive.zip!entry"
  std::uint64_t size = 0;
};

// One run of a job, as report.html lists them: a resumed job has several.
struct run_record {
  std::int64_t id = 0;
  std::string started;    // ISO 8601 UTC
  std::string finished;   // empty when the run never ended (killed)
  std::size_t items = 0;  // items whose latest outcome this run recorded
};

class journal {
 public:
  // Creates the database (and its folder) when missing. Fails when it cannot be opened or
  // was written by an incompatible version.
  [[nodiscard]] static result<journal> open(const std::filesystem::path& file);
  journal(journal&&) noexcept;
  journal& operator=(journal&&) noexcept;
  ~journal();

  // A new run; its number is recorded with every item it finishes.
  [[nodiscard]] result<std::int64_t> begin_run(const std::string& description);
  [[nodiscard]] result<void> end_run(std::int64_t run);

  // Items not yet known become pending (known ones keep their state).
  [[nodiscard]] result<void> add_pending(std::span<const pending_item> items);

  // Items with an outcome, by key.
  [[nodiscard]] result<std::unordered_map<std::string, finished_item>> finished_items() const;

  // An item's outcome, its instances and each destination's answer for each, in one
  // transaction.
  [[nodiscard]] result<void> record(const item_record& item, std::int64_t run);

  // Every item (pending ones too), in key order, as the report shows them.
  [[nodiscard]] result<std::vector<item_record>> items() const;
  // The same, one at a time: a report of any size in constant memory.
  [[nodiscard]] result<void> for_each_item(const std::function<void(item_record&&)>& visit) const;

  [[nodiscard]] result<std::map<item_status, std::size_t>> counts() const;

  // Every run, oldest first.
  [[nodiscard]] result<std::vector<run_record>> runs() const;

  // The safety net for inputs that crash the process (README, "A run always completes"):
  // an item is marked while it is worked on, until its outcome is recorded, so a run that
  // dies leaves the marks of what was in flight. `alone`: nothing else was.
  [[nodiscard]] result<void> mark_in_flight(const std::string& key, const std::string& content_sha256, bool alone);
  struct stopped_items {
    std::vector<std::string> suspects;  // in flight with others: to be worked on alone first
    std::vector<std::string> failed;    // in flight alone: now failed with `reason`
  };
  // At a run's start: what the marks left by a dead run say.
  [[nodiscard]] result<stopped_items> settle_items_in_flight(const std::string& reason);

  // Facts about the job kept across runs (the rendering environment...); empty when unset.
  [[nodiscard]] result<std::string> setting(const std::string& key) const;
  [[nodiscard]] result<void> set_setting(const std::string& key, const std::string& value);
  // A setting of another journal (another shard's, which may be running), read without
  // creating or changing anything; empty when the file or the setting is not there.
  [[nodiscard]] static result<std::string> setting_of(const std::filesystem::path& file, const std::string& key);
  // Counts by state of another process's journal (a running job's), read the same way;
  // all zero when the file is not there yet.
  [[nodiscard]] static result<std::map<item_status, std::size_t>> counts_of(const std::filesystem::path& file);

  // Verification: what a destination should hold, grouped by series (a PACS answers one
  // query per series); and what it was found to hold.
  struct delivered_instance {
    std::string sop_instance_uid;
    std::string item_key;
    delivery_state state = delivery_state::stored;
    std::string sop_class_uid;
    std::string detail;  // why, for missing and commit-failed
  };
  struct delivered_series {
    std::string study_instance_uid;
    std::string series_instance_uid;
    std::vector<delivered_instance> instances;
  };
  [[nodiscard]] result<std::vector<delivered_series>> deliveries(const std::string& destination) const;
  [[nodiscard]] result<void> mark_deliveries(const std::string& destination, std::span<const std::string> uids,
                                             delivery_state state, const std::string& detail = {});
  // Items to be done again by the next run (a destination lost their instances).
  [[nodiscard]] result<void> reopen_items(std::span<const std::string> keys, const std::string& reason);
  // Items whose instances a destination still lacks after resending.
  [[nodiscard]] result<void> fail_items(std::span<const std::string> keys, const std::string& reason);

 private:
  explicit journal(sqlite3* database);
  sqlite3* database_ = nullptr;
};

}  // namespace dcmflow::journal
