#include "dicom/common_modules.hpp"

#include <ctime>

#include "dicom/element.hpp"

namespace dcmflow::dicom {

date_time local_date_time(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&seconds, &local);
  char date[9];
  char time[7];
  std::strftime(date, sizeof date, "%Y%m%d", &local);
  std::strftime(time, sizeof time, "%H%M%S", &local);
  return {date, time};
}

void add_patient_and_study(gdcm::DataSet& dataset, std::string_view study_instance_uid) {
  set_text(dataset, {0x0010, 0x0010}, "PN", "");  // PatientName
  set_text(dataset, {0x0010, 0x0020}, "LO", "");  // PatientID
  set_text(dataset, {0x0010, 0x0030}, "DA", "");  // PatientBirthDate
  set_text(dataset, {0x0010, 0x0040}, "CS", "");  // PatientSex
  set_text(dataset, {0x0020, 0x000D}, "UI", study_instance_uid);
  set_text(dataset, {0x0008, 0x0020}, "DA", "");  // StudyDate
  set_text(dataset, {0x0008, 0x0030}, "TM", "");  // StudyTime
  set_text(dataset, {0x0008, 0x0090}, "PN", "");  // ReferringPhysicianName
  set_text(dataset, {0x0020, 0x0010}, "SH", "");  // StudyID
  set_text(dataset, {0x0008, 0x0050}, "SH", "");  // AccessionNumber
}

result<void> apply_attributes(gdcm::DataSet& dataset, std::span<const attribute_assignment> attributes,
                              character_set set) {
  for (const attribute_assignment& given : attributes) {
    attribute_assignment assignment = given;
    if (is_character_set_vr(assignment.vr)) {
      auto encoded = encode_text(assignment.value, set, assignment.vr);
      if (!encoded) {
        return failure{assignment.keyword + " (" + assignment.vr + "): " + encoded.error().message + " (" +
                       std::string(specific_character_set(set)) + ")"};
      }
      assignment.value = std::move(encoded).value();
    }
    if (auto applied = apply_assignment(dataset, assignment); !applied) return applied.error();
  }
  return {};
}

}  // namespace dcmflow::dicom
