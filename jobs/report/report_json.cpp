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
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& instance : item.instances) {
    instances.push_back({{"sop_instance_uid", instance.sop_instance_uid},
                         {"sop_class_uid", instance.sop_class_uid},
                         {"study_instance_uid", instance.study_instance_uid},
                         {"series_instance_uid", instance.series_instance_uid},
                         {"transfer_syntax_uid", instance.transfer_syntax_uid},
                         {"frames", instance.frames},
                         {"native_bytes", instance.native_bytes},
                         {"stored_bytes", instance.stored_bytes},
                         {"output", instance.output.generic_string()}});
  }
  nlohmann::json entry = {
      {"input", item.input},
      {"status", item.status == item_status::converted ? "ok"
                 : item.status == item_status::failed  ? "failed"
                                                       : "pending"},
      {"error", item.status == item_status::failed ? nlohmann::json(item.error) : nlohmann::json()},
      {"outputs", outputs},
      {"notes", item.notes},
      {"sha256", item.content_sha256},
      {"input_bytes", item.input_bytes},
      {"seconds", item.seconds},
      {"instances", instances},
  };
  if (item.attempts > 0) entry["attempts"] = item.attempts;
  return entry;
}

}  // namespace

result<void> write_report_json(const std::filesystem::path& file, std::span<const item_record> items,
                               const run_times& times) {
  nlohmann::json list = nlohmann::json::array();
  std::size_t converted = 0;
  std::size_t failed = 0;
  std::size_t outputs = 0;
  for (const auto& item : items) {
    list.push_back(item_json(item));
    if (item.status == item_status::converted) ++converted;
    if (item.status == item_status::failed) ++failed;
    outputs += item.outputs.size();
  }
  const std::chrono::duration<double> elapsed = times.finished - times.started;
  const nlohmann::json report = {
      {"items", list},
      {"summary",
       {{"total", items.size()},
        {"ok", converted},
        {"failed", failed},
        {"pending", items.size() - converted - failed},
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
