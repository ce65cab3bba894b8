#pragma once
// Private to journal/: SQLite's C API as the journal uses it: prepared statements finalized
// on every path, and transactions that roll back unless committed.

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.hpp"
#include "core/result.hpp"

namespace dcmflow::journal {

[[nodiscard]] result<void> execute(sqlite3* database, std::string_view sql);
[[nodiscard]] failure database_failure(sqlite3* database, std::string_view doing);

// A state column read back; the schema's CHECK constraints keep it to these names.
[[nodiscard]] inline item_status parse_status(const std::string& text) {
  return state_named(text, item_status_names).value_or(item_status::pending);
}
[[nodiscard]] inline delivery_state parse_delivery(const std::string& text) {
  return state_named(text, delivery_state_names).value_or(delivery_state::failed);
}

// A prepared statement, finalized on every path.
class statement {
 public:
  statement(sqlite3* database, std::string_view sql) {
    if (sqlite3_prepare_v2(database, sql.data(), static_cast<int>(sql.size()), &handle_, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(database);
    }
  }
  ~statement() { sqlite3_finalize(handle_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  [[nodiscard]] bool ok() const { return handle_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }

  statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(handle_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(handle_, index, value);
    return *this;
  }
  statement& bind(int index, double value) {
    sqlite3_bind_double(handle_, index, value);
    return *this;
  }
  statement& bind_blob(int index, std::span<const std::byte> bytes) {
    if (bytes.empty()) {
      sqlite3_bind_null(handle_, index);
    } else {
      sqlite3_bind_blob(handle_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    }
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error.
  int step() { return sqlite3_step(handle_); }
  void reset() {
    sqlite3_reset(handle_);
    sqlite3_clear_bindings(handle_);
  }
  [[nodiscard]] std::string text(int column) const {
    const auto* value = sqlite3_column_text(handle_, column);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): SQLite's bytes
    return value ? std::string(reinterpret_cast<const char*>(value)) : std::string();
  }
  [[nodiscard]] std::int64_t integer(int column) const { return sqlite3_column_int64(handle_, column); }
  [[nodiscard]] double real(int column) const { return sqlite3_column_double(handle_, column); }
  [[nodiscard]] std::vector<std::byte> blob(int column) const {
    const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(handle_, column));
    return data ? std::vector<std::byte>(data, data + sqlite3_column_bytes(handle_, column)) : std::vector<std::byte>();
  }

 private:
  sqlite3_stmt* handle_ = nullptr;
  std::string error_;
};

// Rolls back unless committed: an outcome is recorded whole or not at all.
class transaction {
 public:
  explicit transaction(sqlite3* database) : database_(database) {
    began_ = static_cast<bool>(execute(database_, "BEGIN IMMEDIATE"));
  }
  ~transaction() {
    if (began_ && !committed_) (void)execute(database_, "ROLLBACK");
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  [[nodiscard]] bool began() const { return began_; }
  result<void> commit() {
    auto done = execute(database_, "COMMIT");
    committed_ = static_cast<bool>(done);
    return done;
  }

 private:
  sqlite3* database_;
  bool began_ = false;
  bool committed_ = false;
};

}  // namespace dcmflow::journal
