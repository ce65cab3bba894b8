#pragma once
// Values checked against their Value Representation (PS3.5 6.2, Table 6.2-1) before they
// go into a dataset: lengths, character repertoires, and the formats of DA, TM, DT, AS,
// DS, IS, CS, PN and UI. Forms that can only mean one thing are normalised
// (`1970-01-31` -> `19700131`, `65 years` -> `065Y`, `70.5 kg` -> `70.5`); anything
// ambiguous or invalid is refused with what is wrong -- never quoting the value, which may
// be a name or a birth date (messages reach the terminal).

#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "dicom/attribute.hpp"

namespace dcmflow::dicom {

struct value_target {
  std::string_view keyword;  // some normalisations are the attribute's own (PatientSex "male" -> "M")
  std::string_view vr;
  std::string_view vm;  // value multiplicity from the dictionary: "1", "1-n", "2"...
};

// The value as it should be stored (padding is the writer's job), or what is wrong with it.
// Code strings with enumerated values (PatientSex M/F/O, SmokingStatus YES/NO/UNKNOWN...)
// take only those.
[[nodiscard]] result<std::string> normalise_value(const value_target& target, std::string_view value);

// Dates of one object that cannot all be true: a birth in the future or after the study, a
// study in the future. `today` and the values are normalised DA (YYYYMMDD); callers give the
// latest date it is anywhere.
[[nodiscard]] result<void> check_plausible_dates(std::span<const attribute_assignment> attributes,
                                                 std::string_view today);

}  // namespace dcmflow::dicom
