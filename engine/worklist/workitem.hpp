#pragma once
// A UPS workitem (PS3.4 Annex CC) as PS3.18 carries it: a DICOM JSON dataset (PS3.18
// Annex F), "GGGGEEEE" -> {"vr": ..., "Value": [...]}. The attributes dcmflow reads and
// writes are named here; what a new workitem must hold (PS3.4 Table CC.2.5-3, N-CREATE) is
// checked before it is sent, so a user learns what is missing from us, not from a 400.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace dcmflow::worklist {

// Procedure Step State (0074,1000), PS3.4 CC.1.1.
enum class step_state { scheduled, in_progress, completed, canceled };
[[nodiscard]] std::string_view state_name(step_state state);  // "IN PROGRESS"
[[nodiscard]] std::optional<step_state> state_named(std::string_view text);

using dataset = nlohmann::json;

// DICOM JSON from a server, parsed with bounds: invalid text or nesting deeper than 32 gives
// a discarded value (copying and printing a value recurse: a deep one would end the process).
[[nodiscard]] dataset parse_dicom_json(std::string_view text);
// As text, invalid UTF-8 replaced (a server's bytes are not ours to vouch for).
[[nodiscard]] std::string json_text(const dataset& value, int indent = -1);
// A server's text made one printable line: control characters (a newline would forge a
// line of a log or of output read line by line; escapes would drive the terminal) blanked.
[[nodiscard]] std::string one_line(std::string text);

// The attributes dcmflow reads or writes, as DICOM JSON keys.
namespace tag {
inline constexpr const char* sop_class_uid = "00080016";
inline constexpr const char* sop_instance_uid = "00080018";
inline constexpr const char* transaction_uid = "00081195";
inline constexpr const char* referenced_sop_sequence = "00081199";
inline constexpr const char* referenced_sop_class_uid = "00081150";
inline constexpr const char* referenced_sop_instance_uid = "00081155";
inline constexpr const char* retrieve_url = "00081190";
inline constexpr const char* patient_name = "00100010";
inline constexpr const char* patient_id = "00100020";
inline constexpr const char* patient_birth_date = "00100030";
inline constexpr const char* patient_sex = "00100040";
inline constexpr const char* study_instance_uid = "0020000D";
inline constexpr const char* series_instance_uid = "0020000E";
inline constexpr const char* code_value = "00080100";
inline constexpr const char* coding_scheme_designator = "00080102";
inline constexpr const char* code_meaning = "00080104";
inline constexpr const char* concept_name_code_sequence = "0040A043";
inline constexpr const char* value_type = "0040A040";
inline constexpr const char* text_value = "0040A160";
inline constexpr const char* scheduled_procedure_step_start = "00404005";
inline constexpr const char* scheduled_workitem_code_sequence = "00404018";
inline constexpr const char* input_readiness_state = "00404041";
inline constexpr const char* output_information_sequence = "00404033";
inline constexpr const char* performed_procedure_step_start = "00404050";
inline constexpr const char* performed_procedure_step_end = "00404051";
inline constexpr const char* procedure_step_cancellation_datetime = "00404052";
inline constexpr const char* performed_workitem_code_sequence = "00404019";
inline constexpr const char* output_destination_sequence = "00404070";
inline constexpr const char* dicom_storage_sequence = "00404071";
inline constexpr const char* stow_storage_sequence = "00404072";
inline constexpr const char* storage_url = "00404073";
inline constexpr const char* destination_ae = "21000140";
inline constexpr const char* type_of_instances = "0040E020";
inline constexpr const char* procedure_step_state = "00741000";
inline constexpr const char* progress_information_sequence = "00741002";
inline constexpr const char* procedure_step_progress = "00741004";
inline constexpr const char* procedure_step_progress_description = "00741006";
inline constexpr const char* worklist_label = "00741202";
inline constexpr const char* procedure_step_label = "00741204";
inline constexpr const char* scheduled_procedure_step_priority = "00741200";
inline constexpr const char* scheduled_processing_parameters_sequence = "00741210";
inline constexpr const char* performed_procedure_sequence = "00741216";
inline constexpr const char* reason_for_cancellation = "00741238";
inline constexpr const char* affected_sop_instance_uid = "00001000";
inline constexpr const char* event_type_id = "00001002";
}  // namespace tag

// A coded entry (Code Sequence item).
struct code {
  std::string value;
  std::string scheme;
  std::string meaning;
};

class workitem {
 public:
  workitem() = default;
  explicit workitem(dataset attributes);
  // DICOM JSON text: one dataset, or an array holding exactly one (as PS3.18 sends it).
  [[nodiscard]] static result<workitem> parse(std::string_view json_text);

  [[nodiscard]] const dataset& attributes() const { return attributes_; }
  [[nodiscard]] std::string uid() const { return text(tag::sop_instance_uid); }
  [[nodiscard]] std::optional<step_state> state() const;

  // The first value of an attribute as text (a PN's alphabetic form); empty when absent.
  [[nodiscard]] std::string text(std::string_view key) const;
  // The items of a sequence; empty when absent.
  [[nodiscard]] std::vector<dataset> items(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return attributes_.contains(key); }

  void set_text(std::string_view key, std::string_view vr, const std::string& value);
  void set_number(std::string_view key, std::string_view vr, double value);
  void set_items(std::string_view key, const std::vector<dataset>& items);
  void erase(std::string_view key) { attributes_.erase(std::string(key)); }

  // `Keyword=Value` or `SequenceKeyword.Keyword=Value` (into the sequence's first item),
  // the value checked and normalised for its VR (dicom/value_rules.hpp); values separated
  // by '\'.
  [[nodiscard]] result<void> assign(std::string_view assignment);

  // Makes a workitem ready for Create (PS3.4 Table CC.2.5-3, N-CREATE): a UID (a new one
  // when it has none), Procedure Step State SCHEDULED, absent Type 2 attributes present and
  // empty; fails naming every Type 1 attribute that is missing or empty.
  [[nodiscard]] result<void> complete_for_create();

 private:
  dataset attributes_ = dataset::object();
};

[[nodiscard]] dataset text_element(std::string_view vr, const std::string& value);
[[nodiscard]] dataset code_item(const code& coded);
[[nodiscard]] std::optional<code> first_code(const dataset& sequence_element);
// The first value of `key` in an item (a sequence's dataset) as text.
[[nodiscard]] std::string text_in(const dataset& item, std::string_view key);

// Now as a DICOM DT value (UTC, with its offset).
[[nodiscard]] std::string datetime_now();

}  // namespace dcmflow::worklist
