#include "journal/journal.hpp"

#include "core/clock.hpp"

#include <sqlite3.h>

#include "journal/sqlite_statement.hpp"

#include <chrono>
#include <ctime>
#include <string_view>
#include <utility>

namespace dcmflow::journal {
namespace {

constexpr int schema_version = 1;

constexpr std::string_view schema = R"sql(
CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS in_flight(key TEXT PRIMARY KEY, content_sha256 TEXT, alone INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, description TEXT, started TEXT, finished TEXT);
CREATE TABLE IF NOT EXISTS items(
  key TEXT PRIMARY KEY,
  size INTEGER NOT NULL DEFAULT 0,
  content_sha256 TEXT,
  state TEXT NOT NULL CHECK(state IN ('pending', 'stored', 'failed')),
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  notes TEXT,
  seconds REAL,
  finished TEXT,
  run INTEGER REFERENCES runs(id),
  thumbnail_png BLOB);
CREATE TABLE IF NOT EXISTS instances(
  sop_instance_uid TEXT PRIMARY KEY,
  item_key TEXT NOT NULL REFERENCES items(key),
  sop_class_uid TEXT, study_instance_uid TEXT, series_instance_uid TEXT, transfer_syntax_uid TEXT,
  frames INTEGER, native_bytes INTEGER, stored_bytes INTEGER, output TEXT);
CREATE INDEX IF NOT EXISTS instances_by_item ON instances(item_key);
CREATE TABLE IF NOT EXISTS deliveries(
  sop_instance_uid TEXT NOT NULL REFERENCES instances(sop_instance_uid),
  destination TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('stored', 'failed', 'verified', 'missing', 'committed', 'commit-failed')),
  detail TEXT,
  PRIMARY KEY(sop_instance_uid, destination));
)sql";

std::string join_notes(const std::vector<std::string>& notes) {
  std::string all;
  for (const auto& note : notes) all += (all.empty() ? "" : "\n") + note;
  return all;
}

std::vector<std::string> split_notes(const std::string& text) {
  std::vector<std::string> notes;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    notes.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return notes;
}

}  // namespace

journal::journal(sqlite3* database) : database_(database) {}
journal::journal(journal&& other) noexcept : database_(std::exchange(other.database_, nullptr)) {}
journal& journal::operator=(journal&& other) noexcept {
  std::swap(database_, other.database_);
  return *this;
}
journal::~journal() { sqlite3_close(database_); }

result<journal> journal::open(const std::filesystem::path& file) {
  std::error_code error;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  sqlite3* database = nullptr;
  if (sqlite3_open_v2(file.c_str(), &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string message = database ? sqlite3_errmsg(database) : "out of memory";
    sqlite3_close(database);
    return failure{"cannot open journal " + file.string() + ": " + message};
  }
  journal opened(database);
  sqlite3_busy_timeout(database, 10000);
  // WAL: a commit is one append, readers (dcmflow status) never block the run. NORMAL
  // sync: a power cut may lose the last commits, never corrupt the file; a lost commit
  // means an item is redone, which gives the same object.
  for (const std::string_view setup :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (auto done = execute(database, setup); !done) return failure{file.string() + ": " + done.error().message};
  }
  statement version(database, "PRAGMA user_version");
  if (!version.ok() || version.step() != SQLITE_ROW) {
    return failure{file.string() + ": not a dcmflow journal (" + std::string(sqlite3_errmsg(database)) + ")"};
  }
  const std::int64_t found = version.integer(0);
  if (found != 0 && found != schema_version) {
    return failure{file.string() + ": journal schema " + std::to_string(found) + ", this dcmflow reads " +
                   std::to_string(schema_version)};
  }
  if (auto done = execute(database, schema); !done) return failure{file.string() + ": " + done.error().message};
  if (auto done = execute(database, "PRAGMA user_version=" + std::to_string(schema_version)); !done) {
    return done.error();
  }
  return opened;
}

result<std::int64_t> journal::begin_run(const std::string& description) {
  statement insert(database_, "INSERT INTO runs(description, started) VALUES(?, ?)");
  if (!insert.ok()) return failure{"journal: " + insert.error()};
  if (insert.bind(1, description).bind(2, iso8601_utc(std::chrono::system_clock::now())).step() != SQLITE_DONE) {
    return database_failure(database_, "cannot start a run");
  }
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(database_));
}

result<void> journal::end_run(std::int64_t run) {
  statement update(database_, "UPDATE runs SET finished = ? WHERE id = ?");
  if (!update.ok()) return failure{"journal: " + update.error()};
  if (update.bind(1, iso8601_utc(std::chrono::system_clock::now())).bind(2, run).step() != SQLITE_DONE) {
    return database_failure(database_, "cannot end the run");
  }
  return {};
}

result<void> journal::add_pending(std::span<const pending_item> items) {
  transaction batch(database_);
  if (!batch.began()) return database_failure(database_, "cannot begin");
  statement insert(database_, "INSERT OR IGNORE INTO items(key, size, state) VALUES(?, ?, 'pending')");
  if (!insert.ok()) return failure{"journal: " + insert.error()};
  for (const auto& item : items) {
    insert.bind(1, item.key).bind(2, static_cast<std::int64_t>(item.size));
    if (insert.step() != SQLITE_DONE) return database_failure(database_, "cannot list items");
    insert.reset();
  }
  return batch.commit();
}

result<std::unordered_map<std::string, finished_item>> journal::finished_items() const {
  statement select(database_, "SELECT key, state, content_sha256 FROM items WHERE state != 'pending'");
  if (!select.ok()) return failure{"journal: " + select.error()};
  std::unordered_map<std::string, finished_item> found;
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    found[select.text(0)] = {parse_status(select.text(1)), select.text(2)};
  }
  if (step != SQLITE_DONE) return database_failure(database_, "cannot read items");
  return found;
}

result<void> journal::record(const item_record& item, std::int64_t run) {
  transaction batch(database_);
  if (!batch.began()) return database_failure(database_, "cannot begin");
  // Pending: a destination it needs was given up for the run; the next run does it again.
  statement upsert(database_, R"sql(
    INSERT INTO items(key, size, content_sha256, state, error, attempts, notes, seconds, finished, run, thumbnail_png)
    VALUES(?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10)
    ON CONFLICT(key) DO UPDATE SET size = ?2, content_sha256 = ?3, state = ?4, error = ?5,
      attempts = attempts + 1, notes = ?6, seconds = ?7, finished = ?8, run = ?9,
      thumbnail_png = coalesce(?10, thumbnail_png))sql");
  if (!upsert.ok()) return failure{"journal: " + upsert.error()};
  upsert.bind(1, item.input)
      .bind(2, static_cast<std::int64_t>(item.input_bytes))
      .bind(3, item.content_sha256)
      .bind(4, state_name(item.status))
      .bind(5, item.error)
      .bind(6, join_notes(item.notes))
      .bind(7, item.seconds)
      .bind(8, iso8601_utc(std::chrono::system_clock::now()))
      .bind(9, run)
      .bind_blob(10, item.thumbnail_png);
  if (upsert.step() != SQLITE_DONE) return database_failure(database_, "cannot record an item");

  statement landed(database_, "DELETE FROM in_flight WHERE key = ?");
  if (!landed.ok() || landed.bind(1, item.input).step() != SQLITE_DONE) {
    return database_failure(database_, "cannot record an item");
  }

  // The item's instances are replaced: a redone item may have become other objects.
  statement forget_deliveries(database_, R"sql(
    DELETE FROM deliveries WHERE sop_instance_uid IN (SELECT sop_instance_uid FROM instances WHERE item_key = ?))sql");
  statement forget_instances(database_, "DELETE FROM instances WHERE item_key = ?");
  if (!forget_deliveries.ok() || !forget_instances.ok()) return database_failure(database_, "cannot prepare");
  if (forget_deliveries.bind(1, item.input).step() != SQLITE_DONE ||
      forget_instances.bind(1, item.input).step() != SQLITE_DONE) {
    return database_failure(database_, "cannot replace instances");
  }
  statement insert_instance(database_, R"sql(
    INSERT OR REPLACE INTO instances(sop_instance_uid, item_key, sop_class_uid, study_instance_uid,
      series_instance_uid, transfer_syntax_uid, frames, native_bytes, stored_bytes, output)
    VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
  statement insert_delivery(database_, R"sql(
    INSERT OR REPLACE INTO deliveries(sop_instance_uid, destination, state, detail) VALUES(?, ?, ?, ?))sql");
  if (!insert_instance.ok() || !insert_delivery.ok()) return database_failure(database_, "cannot prepare");
  for (const auto& instance : item.instances) {
    insert_instance.bind(1, instance.sop_instance_uid)
        .bind(2, item.input)
        .bind(3, instance.sop_class_uid)
        .bind(4, instance.study_instance_uid)
        .bind(5, instance.series_instance_uid)
        .bind(6, instance.transfer_syntax_uid)
        .bind(7, static_cast<std::int64_t>(instance.frames))
        .bind(8, static_cast<std::int64_t>(instance.native_bytes))
        .bind(9, static_cast<std::int64_t>(instance.stored_bytes))
        .bind(10, instance.output.generic_string());
    if (insert_instance.step() != SQLITE_DONE) return database_failure(database_, "cannot record an instance");
    insert_instance.reset();
    for (const auto& delivery : instance.deliveries) {
      insert_delivery.bind(1, instance.sop_instance_uid)
          .bind(2, delivery.destination)
          .bind(3, state_name(delivery.state))
          .bind(4, delivery.detail);
      if (insert_delivery.step() != SQLITE_DONE) return database_failure(database_, "cannot record a delivery");
      insert_delivery.reset();
    }
  }
  return batch.commit();
}

result<std::vector<item_record>> journal::items() const {
  std::vector<item_record> items;
  auto visited = for_each_item([&](item_record&& item) { items.push_back(std::move(item)); });
  if (!visited) return visited.error();
  return items;
}

result<void> journal::for_each_item(const std::function<void(item_record&&)>& visit) const {
  statement select_items(database_, R"sql(
    SELECT key, size, content_sha256, state, error, attempts, notes, seconds, finished, thumbnail_png
    FROM items ORDER BY key)sql");
  statement select_instances(database_, R"sql(
    SELECT sop_instance_uid, sop_class_uid, study_instance_uid, series_instance_uid,
      transfer_syntax_uid, frames, native_bytes, stored_bytes, output
    FROM instances WHERE item_key = ? ORDER BY output)sql");
  if (!select_items.ok() || !select_instances.ok()) return database_failure(database_, "cannot prepare");
  int step = SQLITE_ROW;
  while ((step = select_items.step()) == SQLITE_ROW) {
    item_record item;
    item.input = select_items.text(0);
    item.input_bytes = static_cast<std::uint64_t>(select_items.integer(1));
    item.content_sha256 = select_items.text(2);
    item.status = parse_status(select_items.text(3));
    item.error = select_items.text(4);
    item.attempts = static_cast<std::uint32_t>(select_items.integer(5));
    item.notes = split_notes(select_items.text(6));
    item.seconds = select_items.real(7);
    item.finished_at = select_items.text(8);
    item.thumbnail_png = select_items.blob(9);
    select_instances.bind(1, item.input);
    int inner = SQLITE_ROW;
    while ((inner = select_instances.step()) == SQLITE_ROW) {
      instance_record instance{
          .sop_instance_uid = select_instances.text(0),
          .sop_class_uid = select_instances.text(1),
          .study_instance_uid = select_instances.text(2),
          .series_instance_uid = select_instances.text(3),
          .transfer_syntax_uid = select_instances.text(4),
          .frames = static_cast<std::uint32_t>(select_instances.integer(5)),
          .native_bytes = static_cast<std::uint64_t>(select_instances.integer(6)),
          .stored_bytes = static_cast<std::uint64_t>(select_instances.integer(7)),
          .output = select_instances.text(8),
          .deliveries = {},  // per destination: deliveries()
      };
      if (item.status == item_status::converted) item.outputs.push_back(instance.output);
      item.instances.push_back(std::move(instance));
    }
    if (inner != SQLITE_DONE) return database_failure(database_, "cannot read instances");
    select_instances.reset();
    visit(std::move(item));
  }
  if (step != SQLITE_DONE) return database_failure(database_, "cannot read items");
  return {};
}

result<std::map<item_status, std::size_t>> journal::counts() const {
  statement select(database_, "SELECT state, count(*) FROM items GROUP BY state");
  if (!select.ok()) return failure{"journal: " + select.error()};
  std::map<item_status, std::size_t> counts{
      {item_status::pending, 0}, {item_status::converted, 0}, {item_status::failed, 0}};
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    counts[parse_status(select.text(0))] = static_cast<std::size_t>(select.integer(1));
  }
  if (step != SQLITE_DONE) return database_failure(database_, "cannot count items");
  return counts;
}

result<void> journal::mark_in_flight(const std::string& key, const std::string& content_sha256, bool alone) {
  statement insert(database_, "INSERT OR REPLACE INTO in_flight(key, content_sha256, alone) VALUES(?, ?, ?)");
  if (!insert.ok()) return failure{"journal: " + insert.error()};
  if (insert.bind(1, key).bind(2, content_sha256).bind(3, std::int64_t{alone ? 1 : 0}).step() != SQLITE_DONE) {
    return database_failure(database_, "cannot mark an item in flight");
  }
  return {};
}

result<journal::stopped_items> journal::settle_items_in_flight(const std::string& reason) {
  transaction batch(database_);
  if (!batch.began()) return database_failure(database_, "cannot begin");
  stopped_items found;
  std::vector<std::pair<std::string, std::string>> culprits;  // key, content hash
  {
    statement select(database_, "SELECT key, content_sha256, alone FROM in_flight ORDER BY key");
    if (!select.ok()) return failure{"journal: " + select.error()};
    int step = SQLITE_ROW;
    while ((step = select.step()) == SQLITE_ROW) {
      if (select.integer(2) != 0) {
        culprits.emplace_back(select.text(0), select.text(1));
      } else {
        found.suspects.push_back(select.text(0));
      }
    }
    if (step != SQLITE_DONE) return database_failure(database_, "cannot read items in flight");
  }
  // Failed with the content they had, so a plain rerun skips them and --retry-failed retries.
  statement fail(database_,
                 "UPDATE items SET state = 'failed', error = ?, content_sha256 = ?, "
                 "attempts = attempts + 1 WHERE key = ?");
  if (!fail.ok()) return failure{"journal: " + fail.error()};
  for (const auto& [key, content] : culprits) {
    if (fail.bind(1, reason).bind(2, content).bind(3, key).step() != SQLITE_DONE) {
      return database_failure(database_, "cannot fail an item");
    }
    fail.reset();
    found.failed.push_back(key);
  }
  // The run that died worked on its suspects too: attempts count runs, finished or not.
  statement worked(database_, "UPDATE items SET attempts = attempts + 1 WHERE key = ?");
  if (!worked.ok()) return failure{"journal: " + worked.error()};
  for (const auto& key : found.suspects) {
    if (worked.bind(1, key).step() != SQLITE_DONE) return database_failure(database_, "cannot count an attempt");
    worked.reset();
  }
  if (auto cleared = execute(database_, "DELETE FROM in_flight"); !cleared) return cleared.error();
  if (auto done = batch.commit(); !done) return done.error();
  return found;
}

result<std::string> journal::setting(const std::string& key) const {
  statement select(database_, "SELECT value FROM settings WHERE key = ?");
  if (!select.ok()) return failure{"journal: " + select.error()};
  select.bind(1, key);
  const int step = select.step();
  if (step == SQLITE_ROW) return select.text(0);
  if (step != SQLITE_DONE) return database_failure(database_, "cannot read a setting");
  return std::string();
}

result<void> journal::set_setting(const std::string& key, const std::string& value) {
  statement upsert(
      database_, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!upsert.ok()) return failure{"journal: " + upsert.error()};
  if (upsert.bind(1, key).bind(2, value).step() != SQLITE_DONE)
    return database_failure(database_, "cannot record a setting");
  return {};
}

result<std::vector<run_record>> journal::runs() const {
  statement select(database_, R"sql(
    SELECT id, started, finished, (SELECT count(*) FROM items WHERE items.run = runs.id)
    FROM runs ORDER BY id)sql");
  if (!select.ok()) return failure{"journal: " + select.error()};
  std::vector<run_record> runs;
  int step = SQLITE_ROW;
  while ((step = select.step()) == SQLITE_ROW) {
    runs.push_back({select.integer(0), select.text(1), select.text(2), static_cast<std::size_t>(select.integer(3))});
  }
  if (step != SQLITE_DONE) return database_failure(database_, "cannot list runs");
  return runs;
}

}  // namespace dcmflow::journal
