#include "report/report_json.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>

namespace dcmflow::report {
namespace {

std::string iso8601_utc(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json item_json(const item_record& item) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& path : item.outputs) outputs.push_back(path.generic_string());
  return {
      {"input", item.input},
      {"status", item.status == item_status::converted ? "ok" : "failed"},
      {"error", item.status == item_status::failed ? nlohmann::json(item.error) : nlohmann::json()},
      {"outputs", outputs},
      {"notes", item.notes},
  };
}

}  // namespace

result<void> write_report_json(const std::filesystem::path& file, std::span<const item_record> items,
                               const run_times& times) {
  nlohmann::json list = nlohmann::json::array();
  std::size_t converted = 0;
  std::size_t outputs = 0;
  for (const auto& item : items) {
    list.push_back(item_json(item));
    if (item.status == item_status::converted) ++converted;
    outputs += item.outputs.size();
  }
  const std::chrono::duration<double> elapsed = times.finished - times.started;
  const nlohmann::json report = {
      {"items", list},
      {"summary",
       {{"total", items.size()},
        {"ok", converted},
        {"failed", items.size() - converted},
        {"outputs", outputs},
        {"started", iso8601_utc(times.started)},
        {"finished", iso8601_utc(times.finished)},
        {"seconds", elapsed.count()}}},
  };
  std::ofstream stream(file, std::ios::trunc);
  // error_handler::replace: a file name that is not valid UTF-8 must not lose the report.
  stream << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!stream) return failure{"cannot write " + file.string()};
  return {};
}

}  // namespace dcmflow::report
