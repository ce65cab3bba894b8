#include "worklist/performed_step.hpp"

#include <array>
#include <cstdio>
#include <map>
#include <utility>

namespace dcmflow::worklist {
namespace {

constexpr const char* retrieve_ae_title = "00080054";
constexpr const char* dicom_retrieval_sequence = "0040E021";
constexpr const char* wado_rs_retrieval_sequence = "0040E025";
constexpr const char* performed_station_name_code_sequence = "00404028";
constexpr const char* performed_procedure_step_description = "00400254";
constexpr const char* discontinuation_reason_code_sequence = "0074100E";

std::string percent_text(double percent) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "%.0f", percent);
  return text.data();
}

// The first item of the Procedure Step Progress Information Sequence, or an empty one.
dataset progress_item(const workitem& current) {
  const auto items = current.items(tag::progress_information_sequence);
  return items.empty() ? dataset::object() : items.front();
}

dataset sequence_element(const std::vector<dataset>& items) {
  dataset element = {{"vr", "SQ"}};
  if (!items.empty()) element["Value"] = items;
  return element;
}

}  // namespace

workitem progress_update(const workitem& current, double percent, const std::string& description) {
  dataset item = progress_item(current);
  item[tag::procedure_step_progress] = text_element("DS", percent_text(percent));
  if (!description.empty())
    item[tag::procedure_step_progress_description] = text_element("ST", description.substr(0, 1024));
  workitem update;
  update.set_items(tag::progress_information_sequence, {item});
  return update;
}

workitem completion_update(const workitem& current, const std::string& station, const std::string& started,
                           const std::vector<output_instance>& outputs) {
  // One Output Information item per series: PS3.3 Table 10-3b, Referenced Instances and
  // Access Macro.
  std::map<std::pair<std::string, std::string>, std::vector<const output_instance*>> by_series;
  for (const auto& instance : outputs)
    by_series[{instance.study_instance_uid, instance.series_instance_uid}].push_back(&instance);
  std::vector<dataset> output_items;
  for (const auto& [series, instances] : by_series) {
    std::vector<dataset> referenced;
    referenced.reserve(instances.size());
    for (const auto* instance : instances) {
      referenced.push_back({{tag::referenced_sop_class_uid, text_element("UI", instance->sop_class_uid)},
                            {tag::referenced_sop_instance_uid, text_element("UI", instance->sop_instance_uid)}});
    }
    dataset item = {{tag::type_of_instances, text_element("CS", "DICOM")},
                    {tag::study_instance_uid, text_element("UI", series.first)},
                    {tag::series_instance_uid, text_element("UI", series.second)},
                    {tag::referenced_sop_sequence, sequence_element(referenced)}};
    const output_instance& where = *instances.front();
    if (!where.retrieve_ae.empty()) {
      item[dicom_retrieval_sequence] = sequence_element({{{retrieve_ae_title, text_element("AE", where.retrieve_ae)}}});
    }
    if (!where.retrieve_url.empty()) {
      item[wado_rs_retrieval_sequence] =
          sequence_element({{{tag::retrieve_url, text_element("UR", where.retrieve_url + "/studies/" + series.first +
                                                                        "/series/" + series.second)}}});
    }
    output_items.push_back(std::move(item));
  }
  auto performed_code = current.items(tag::scheduled_workitem_code_sequence);
  if (performed_code.empty())
    performed_code.push_back(code_item({"DCMFLOW-WORK", "99DCMFLOW", "Work done with dcmflow"}));
  const std::string now = datetime_now();
  dataset performed = {
      {performed_station_name_code_sequence,
       sequence_element({code_item({station.substr(0, 16), "99DCMFLOW", "dcmflow performer " + station})})},
      {performed_procedure_step_description,
       text_element("LO", std::to_string(outputs.size()) + " instances stored by dcmflow")},
      {tag::performed_procedure_step_start, text_element("DT", started.empty() ? now : started)},
      {tag::performed_procedure_step_end, text_element("DT", now)},
      {tag::performed_workitem_code_sequence, sequence_element(performed_code)},
      {tag::output_information_sequence, sequence_element(output_items)},
  };
  workitem update;
  update.set_items(tag::performed_procedure_sequence, {performed});
  return update;
}

workitem cancellation_update(const workitem& current, const std::string& reason,
                             const std::optional<code>& reason_code) {
  dataset item = progress_item(current);
  item[tag::procedure_step_cancellation_datetime] = text_element("DT", datetime_now());
  item[discontinuation_reason_code_sequence] =
      sequence_element({code_item(reason_code.value_or(code{"110513", "DCM", "Discontinued for unspecified reason"}))});
  if (!reason.empty()) item[tag::reason_for_cancellation] = text_element("LT", reason.substr(0, 10240));
  workitem update;
  update.set_items(tag::progress_information_sequence, {item});
  return update;
}

}  // namespace dcmflow::worklist
