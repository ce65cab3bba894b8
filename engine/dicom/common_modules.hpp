#pragma once
// Private to dicom/: what every IOD dcmflow builds shares -- the Patient and General Study
// modules' defaults, the user's attributes applied in the chosen character set, and dates
// and times in DICOM's forms.

#include <gdcmDataSet.h>

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"

namespace dcmflow::dicom {

struct date_time {
  std::string date;  // DA: YYYYMMDD
  std::string time;  // TM: HHMMSS
};

[[nodiscard]] date_time local_date_time(std::chrono::system_clock::time_point when);

// Patient and General Study: StudyInstanceUID, and the type 2 attributes present but empty
// (PS3.5 7.4) for a manifest to fill.
void add_patient_and_study(gdcm::DataSet& dataset, std::string_view study_instance_uid);

// The user's attributes, last (they have the final word), text encoded in `set`.
[[nodiscard]] result<void> apply_attributes(gdcm::DataSet& dataset, std::span<const attribute_assignment> attributes,
                                            character_set set);

}  // namespace dcmflow::dicom
