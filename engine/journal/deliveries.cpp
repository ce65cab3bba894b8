// What each destination holds of a job's instances, and what verification and storage
// commitment learn of it later; items reopened or failed by what they learn.
#include "journal/journal.hpp"

#include "journal/sqlite_statement.hpp"

namespace dcmflow::journal {

result<std::vector<journal::delivered_series>> journal::deliveries(const std::string& destination) const {
  statement select(database_, R"sql(
    SELECT i.study_instance_uid, i.series_instance_uid, i.sop_instance_uid, i.item_key, d.state,
      i.sop_class_uid, d.detail
    FROM deliveries d JOIN instances i ON i.sop_instance_uid = d.sop_instance_uid
    WHERE d.destination = ? ORDER BY i.study_instance_uid, i.series_instance_uid)sql");
  if (!select.ok()) return failure{"journal: " + select.error()};
  select.bind(1, destination);
  std::vector<delivered_series> found;
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    std::string study = select.text(0);
    std::string series = select.text(1);
    if (found.empty() || found.back().study_instance_uid != study || found.back().series_instance_uid != series) {
      found.push_back({std::move(study), std::move(series), {}});
    }
    found.back().instances.push_back(
        {select.text(2), select.text(3), parse_delivery(select.text(4)), select.text(5), select.text(6)});
  }
  if (step != SQLITE_DONE) return database_failure(database_, "cannot read deliveries");
  return found;
}

result<void> journal::mark_deliveries(const std::string& destination, std::span<const std::string> uids,
                                      delivery_state state, const std::string& detail) {
  transaction batch(database_);
  if (!batch.began()) return database_failure(database_, "cannot begin");
  statement update(database_,
                   "UPDATE deliveries SET state = ?, detail = ? WHERE destination = ? AND sop_instance_uid = ?");
  if (!update.ok()) return failure{"journal: " + update.error()};
  for (const auto& uid : uids) {
    update.bind(1, state_name(state)).bind(2, detail).bind(3, destination).bind(4, uid);
    if (update.step() != SQLITE_DONE) return database_failure(database_, "cannot mark a delivery");
    update.reset();
  }
  return batch.commit();
}

namespace {

result<void> set_items_state(sqlite3* database, std::span<const std::string> keys, item_status state,
                             const std::string& reason) {
  transaction batch(database);
  if (!batch.began()) return database_failure(database, "cannot begin");
  statement update(database, "UPDATE items SET state = ?, error = ? WHERE key = ?");
  if (!update.ok()) return failure{"journal: " + update.error()};
  for (const auto& key : keys) {
    update.bind(1, state_name(state)).bind(2, reason).bind(3, key);
    if (update.step() != SQLITE_DONE) return database_failure(database, "cannot update an item");
    update.reset();
  }
  return batch.commit();
}

}  // namespace

result<void> journal::reopen_items(std::span<const std::string> keys, const std::string& reason) {
  return set_items_state(database_, keys, item_status::pending, reason);
}

result<void> journal::fail_items(std::span<const std::string> keys, const std::string& reason) {
  return set_items_state(database_, keys, item_status::failed, reason);
}

}  // namespace dcmflow::journal
