#include "report/report_json.hpp"

#include "core/clock.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>

namespace dcmflow::report {
namespace {

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

result<report_json_writer> report_json_writer::open(const std::filesystem::path& file) {
  report_json_writer writer;
  writer.file_ = file;
  writer.out_.open(file, std::ios::trunc);
  if (!writer.out_) return failure{"cannot write " + file.string()};
  writer.out_ << "{\n  \"items\": [";
  return writer;
}

void report_json_writer::add(const item_record& item) {
  // error_handler::replace: a file name that is not valid UTF-8 must not lose the report.
  out_ << (total_ == 0 ? "\n    " : ",\n    ")
       << item_json(item).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ++total_;
  converted_ += item.status == item_status::converted ? 1 : 0;
  failed_ += item.status == item_status::failed ? 1 : 0;
  outputs_ += item.outputs.size();
}

result<void> report_json_writer::finish(const run_times& times) {
  const std::chrono::duration<double> elapsed = times.finished - times.started;
  const nlohmann::json summary = {
      {"total", total_},
      {"ok", converted_},
      {"failed", failed_},
      {"pending", total_ - converted_ - failed_},
      {"outputs", outputs_},
      {"started", iso8601_utc(times.started)},
      {"finished", iso8601_utc(times.finished)},
      {"seconds", elapsed.count()},
  };
  out_ << "\n  ],\n  \"summary\": " << summary.dump() << "\n}\n";
  out_.close();
  if (!out_) return failure{"cannot write " + file_.string()};
  return {};
}

result<void> write_report_json(const std::filesystem::path& file, std::span<const item_record> items,
                               const run_times& times) {
  auto writer = report_json_writer::open(file);
  if (!writer) return writer.error();
  for (const auto& item : items) writer->add(item);
  return writer->finish(times);
}

}  // namespace dcmflow::report
