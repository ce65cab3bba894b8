// Another process's journal (a running job's, for `dcmflow work` and `status`), read without
// creating or changing anything.
#include "journal/journal.hpp"

#include <filesystem>

#include "journal/sqlite_statement.hpp"

namespace dcmflow::journal {
namespace {

// Another process's journal, opened without creating or changing anything (no schema, no
// pragmas): read-write only because a reader of a WAL database needs its shared memory.
result<sqlite3*> open_for_reading(const std::filesystem::path& file) {
  sqlite3* database = nullptr;
  if (sqlite3_open_v2(file.c_str(), &database, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string message = database ? sqlite3_errmsg(database) : "out of memory";
    sqlite3_close(database);
    return failure{"cannot open journal " + file.string() + ": " + message};
  }
  sqlite3_busy_timeout(database, 10000);
  return database;
}

}  // namespace

result<std::string> journal::setting_of(const std::filesystem::path& file, const std::string& key) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return std::string();
  auto database = open_for_reading(file);
  if (!database) return database.error();
  std::string value;
  {
    statement select(*database, "SELECT value FROM settings WHERE key = ?");
    if (select.ok()) {
      select.bind(1, key);
      if (select.step() == SQLITE_ROW) value = select.text(0);
    }
  }
  sqlite3_close(*database);
  return value;
}

result<std::map<item_status, std::size_t>> journal::counts_of(const std::filesystem::path& file) {
  std::map<item_status, std::size_t> counts{
      {item_status::pending, 0}, {item_status::converted, 0}, {item_status::failed, 0}};
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return counts;
  auto database = open_for_reading(file);
  if (!database) return database.error();
  bool read = false;
  {
    statement select(*database, "SELECT state, count(*) FROM items GROUP BY state");
    if (select.ok()) {
      int step = SQLITE_ROW;
      while ((step = select.step()) == SQLITE_ROW) {
        counts[parse_status(select.text(0))] = static_cast<std::size_t>(select.integer(1));
      }
      read = step == SQLITE_DONE;
    }
  }
  sqlite3_close(*database);
  if (!read) return failure{"cannot count the items of " + file.string()};
  return counts;
}

}  // namespace dcmflow::journal
