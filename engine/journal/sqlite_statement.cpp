#include "journal/sqlite_statement.hpp"

namespace dcmflow::journal {

result<void> execute(sqlite3* database, std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(database, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return failure{"journal: " + text};
  }
  return {};
}

failure database_failure(sqlite3* database, std::string_view doing) {
  return failure{"journal: " + std::string(doing) + ": " + sqlite3_errmsg(database)};
}

}  // namespace dcmflow::journal
