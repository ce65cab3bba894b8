#include "worklist/workitem.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "dicom/attribute.hpp"
#include "dicom/uid.hpp"
#include "dicom/value_rules.hpp"

namespace dcmflow::worklist {
namespace {

constexpr std::array<std::pair<step_state, std::string_view>, 4> state_names = {{
    {step_state::scheduled, "SCHEDULED"},
    {step_state::in_progress, "IN PROGRESS"},
    {step_state::completed, "COMPLETED"},
    {step_state::canceled, "CANCELED"},
}};

std::string key_of(dicom::tag t) {
  std::array<char, 9> key{};
  std::snprintf(key.data(), key.size(), "%04X%04X", t.group, t.element);
  return key.data();
}

bool is_number_vr(std::string_view vr) {
  return vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" || vr == "FL" || vr == "FD" || vr == "IS" || vr == "DS" ||
         vr == "SV" || vr == "UV";
}

// One PS3.4 Table CC.2.5-3 row, as far as Create checks it.
struct create_requirement {
  const char* key;
  const char* keyword;
  const char* vr;
  bool type1;  // else Type 2: present, may be empty
};

// PS3.4 Table CC.2.5-3, "Req. Type N-CREATE (SCU/SCP)" column: the attributes an SCU must
// send (1: with a value, 2: present, maybe empty; PS3.4 5.4.2.1).
constexpr std::array<create_requirement, 27> create_requirements = {{
    {tag::transaction_uid, "TransactionUID", "UI", false},  // present and empty: a claim gives it
    {tag::scheduled_procedure_step_priority, "ScheduledProcedureStepPriority", "CS", true},
    {tag::procedure_step_label, "ProcedureStepLabel", "LO", true},
    {tag::worklist_label, "WorklistLabel", "LO", false},  // empty: the server's default worklist
    {tag::scheduled_processing_parameters_sequence, "ScheduledProcessingParametersSequence", "SQ", false},
    {"00404025", "ScheduledStationNameCodeSequence", "SQ", false},
    {"00404026", "ScheduledStationClassCodeSequence", "SQ", false},
    {"00404027", "ScheduledStationGeographicLocationCodeSequence", "SQ", false},
    {tag::scheduled_procedure_step_start, "ScheduledProcedureStepStartDateTime", "DT", true},
    {tag::scheduled_workitem_code_sequence, "ScheduledWorkitemCodeSequence", "SQ", false},
    {"00400400", "CommentsOnTheScheduledProcedureStep", "LT", false},
    {tag::input_readiness_state, "InputReadinessState", "CS", true},
    {"00404021", "InputInformationSequence", "SQ", false},
    {tag::patient_name, "PatientName", "PN", false},
    {"00100021", "IssuerOfPatientID", "LO", false},
    {"00100024", "IssuerOfPatientIDQualifiersSequence", "SQ", false},
    {"00101002", "OtherPatientIDsSequence", "SQ", false},
    {tag::patient_birth_date, "PatientBirthDate", "DA", false},
    {tag::patient_sex, "PatientSex", "CS", false},
    {"00380010", "AdmissionID", "LO", false},
    {"00380014", "IssuerOfAdmissionIDSequence", "SQ", false},
    {"00081080", "AdmittingDiagnosesDescription", "LO", false},
    {"00081084", "AdmittingDiagnosesCodeSequence", "SQ", false},
    {"0040A370", "ReferencedRequestSequence", "SQ", false},
    {tag::procedure_step_state, "ProcedureStepState", "CS", true},
    {tag::progress_information_sequence, "ProcedureStepProgressInformationSequence", "SQ", false},
    {tag::performed_procedure_sequence, "UnifiedProcedureStepPerformedProcedureSequence", "SQ", false},
}};
// Conditional ones (1C/2C: PatientID, StudyInstanceUID, Scheduled Human Performers...) are
// the user's to give where their condition holds.

}  // namespace

std::string_view state_name(step_state state) {
  for (const auto& [each, name] : state_names) {
    if (each == state) return name;
  }
  return "?";
}

std::optional<step_state> state_named(std::string_view text) {
  for (const auto& [each, name] : state_names) {
    if (name == text) return each;
  }
  return std::nullopt;
}

workitem::workitem(dataset attributes) : attributes_(std::move(attributes)) {
  if (!attributes_.is_object()) attributes_ = dataset::object();
}

dataset parse_dicom_json(std::string_view text) {
  constexpr int max_depth = 32;  // a workitem's deepest sequences nest a few levels
  bool too_deep = false;
  dataset parsed = dataset::parse(
      text,
      [&](int depth, dataset::parse_event_t, dataset&) {
        if (depth > max_depth) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep) return dataset(dataset::value_t::discarded);
  return parsed;
}

std::string json_text(const dataset& value, int indent) {
  return value.dump(indent, ' ', false, dataset::error_handler_t::replace);
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return text;
}

result<workitem> workitem::parse(std::string_view json_text) {
  dataset parsed = parse_dicom_json(json_text);
  if (parsed.is_discarded()) return failure{"not JSON, or nested deeper than 32"};
  if (parsed.is_array()) {
    if (parsed.size() != 1)
      return failure{"expected one DICOM JSON dataset, got an array of " + std::to_string(parsed.size())};
    parsed = parsed.front();
  }
  if (!parsed.is_object()) return failure{"expected a DICOM JSON dataset (an object of \"GGGGEEEE\" keys)"};
  for (const auto& [key, element] : parsed.items()) {
    if (key.size() != 8 || key.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos ||
        !element.is_object() || !element.contains("vr")) {
      return failure{"not a DICOM JSON dataset: key '" + key.substr(0, 40) + "' (PS3.18 F.2)"};
    }
  }
  return workitem(std::move(parsed));
}

std::optional<step_state> workitem::state() const { return state_named(text(tag::procedure_step_state)); }

std::string text_in(const dataset& item, std::string_view key) {
  const auto found = item.find(key);
  if (found == item.end() || !found->is_object()) return {};
  const auto values = found->find("Value");
  if (values == found->end() || !values->is_array() || values->empty()) return {};
  const dataset& first = values->front();
  if (first.is_string()) return first.get<std::string>();
  if (first.is_number_integer()) return std::to_string(first.get<long long>());
  if (first.is_number()) return first.dump();
  if (first.is_object() && first.contains("Alphabetic") && first["Alphabetic"].is_string()) {
    return first["Alphabetic"].get<std::string>();
  }
  return {};
}

std::string workitem::text(std::string_view key) const { return text_in(attributes_, key); }

std::vector<dataset> workitem::items(std::string_view key) const {
  const auto found = attributes_.find(key);
  if (found == attributes_.end() || !found->is_object()) return {};
  const auto values = found->find("Value");
  if (values == found->end() || !values->is_array()) return {};
  std::vector<dataset> out;
  for (const auto& item : *values) {
    if (item.is_object()) out.push_back(item);
  }
  return out;
}

// A number for the JSON model (PS3.18 F.2.3: IS, DS and binary numbers are numbers); as
// text when it is not one we can hold (F.2.3.1 allows strings for values JSON cannot carry).
dataset number_or_text(const std::string& text) {
  long long whole = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (error == std::errc() && end == text.data() + text.size()) return whole;
  double real = 0;
  const auto [real_end, real_error] = std::from_chars(text.data(), text.data() + text.size(), real);
  if (real_error == std::errc() && real_end == text.data() + text.size()) return real;
  return text;
}

dataset text_element(std::string_view vr, const std::string& value) {
  dataset element = {{"vr", vr}};
  if (value.empty()) return element;
  // LT, ST, UT and UR hold one value, backslashes included (PS3.5 6.2).
  const bool one_value = vr == "LT" || vr == "ST" || vr == "UT" || vr == "UR";
  dataset values = dataset::array();
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = one_value ? std::string::npos : value.find('\\', start);
    const std::string one = value.substr(start, end - start);
    if (vr == "PN") {
      values.push_back({{"Alphabetic", one}});
    } else if (is_number_vr(vr)) {
      values.push_back(number_or_text(one));
    } else {
      values.push_back(one);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  element["Value"] = values;
  return element;
}

void workitem::set_text(std::string_view key, std::string_view vr, const std::string& value) {
  attributes_[std::string(key)] = text_element(vr, value);
}

void workitem::set_number(std::string_view key, std::string_view vr, double value) {
  attributes_[std::string(key)] = {{"vr", vr}, {"Value", {value}}};
}

void workitem::set_items(std::string_view key, const std::vector<dataset>& items) {
  dataset element = {{"vr", "SQ"}};
  if (!items.empty()) element["Value"] = items;
  attributes_[std::string(key)] = element;
}

dataset code_item(const code& coded) {
  return {{tag::code_value, text_element("SH", coded.value)},
          {tag::coding_scheme_designator, text_element("SH", coded.scheme)},
          {tag::code_meaning, text_element("LO", coded.meaning)}};
}

std::optional<code> first_code(const dataset& sequence_element) {
  if (!sequence_element.is_object() || !sequence_element.contains("Value")) return std::nullopt;
  const dataset& values = sequence_element["Value"];
  if (!values.is_array() || values.empty() || !values.front().is_object()) return std::nullopt;
  const dataset& item = values.front();
  return code{text_in(item, tag::code_value), text_in(item, tag::coding_scheme_designator),
              text_in(item, tag::code_meaning)};
}

result<void> workitem::assign(std::string_view assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return failure{"expected Keyword=Value, got '" + std::string(assignment.substr(0, 80)) + "'"};
  }
  const std::string_view path = assignment.substr(0, equals);
  const std::string_view value = assignment.substr(equals + 1);
  const auto dot = path.find('.');
  const std::string_view keyword = dot == std::string_view::npos ? path : path.substr(dot + 1);
  auto entry = dicom::look_up_keyword(keyword);
  if (!entry) return entry.error();
  if (entry->vr == "SQ")
    return failure{std::string(keyword) + " is a sequence: give its items with --json, or Sequence.Keyword=Value"};
  std::string checked(value);
  if (!value.empty()) {
    auto normalised = dicom::normalise_value({keyword, entry->vr, entry->vm}, value);
    if (!normalised) return failure{std::string(keyword) + " (" + entry->vr + "): " + normalised.error().message};
    checked = std::move(normalised).value();
  }
  const dataset element = text_element(entry->vr, checked);
  if (dot == std::string_view::npos) {
    attributes_[key_of(entry->tag)] = element;
    return {};
  }
  auto sequence = dicom::look_up_keyword(path.substr(0, dot));
  if (!sequence) return sequence.error();
  if (sequence->vr != "SQ") return failure{std::string(path.substr(0, dot)) + " is not a sequence"};
  dataset& holder = attributes_[key_of(sequence->tag)];
  if (!holder.is_object() || !holder.contains("Value") || !holder["Value"].is_array() || holder["Value"].empty()) {
    holder = {{"vr", "SQ"}, {"Value", dataset::array({dataset::object()})}};
  }
  holder["Value"][0][key_of(entry->tag)] = element;
  return {};
}

result<void> workitem::complete_for_create() {
  if (!has(tag::procedure_step_state)) set_text(tag::procedure_step_state, "CS", "SCHEDULED");
  if (state() != step_state::scheduled)
    return failure{"a new workitem's ProcedureStepState must be SCHEDULED (PS3.4 CC.2.5.1.1)"};
  if (!text(tag::transaction_uid).empty()) {
    return failure{"a new workitem's TransactionUID is empty: it is given when the workitem is claimed"};
  }
  // The SCU names a new workitem (PS3.4 CC.2.5.1.1; PS3.18 11.4's `workitem` parameter).
  if (uid().empty()) set_text(tag::sop_instance_uid, "UI", dicom::random_uid());
  std::string missing;
  for (const auto& requirement : create_requirements) {
    const bool present = has(requirement.key);
    if (requirement.type1 && (text(requirement.key).empty())) {
      missing += std::string(missing.empty() ? "" : ", ") + requirement.keyword;
    } else if (!present) {
      attributes_[requirement.key] = dataset{{"vr", requirement.vr}};
    }
  }
  if (!missing.empty())
    return failure{"a new workitem needs " + missing + " (PS3.4 Table CC.2.5-3, Type 1 at N-CREATE)"};
  return {};
}

std::string datetime_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y%m%d%H%M%S+0000", &utc);
  return text.data();
}

}  // namespace dcmflow::worklist
