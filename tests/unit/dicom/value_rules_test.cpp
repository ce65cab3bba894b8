// Table-driven: every row is a keyword, a value as a manifest might hold it, and either
// the value dcmflow stores or (a piece of) the reason it refuses it.

#include "dicom/value_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dicom/attribute.hpp"

namespace dcmflow::dicom {
namespace {

struct value_case {
  std::string keyword;
  std::string input;
  bool valid;
  std::string expected;  // the stored value, or a piece of the reason
};

const std::vector<value_case> cases = {
    // DA: dates
    {"PatientBirthDate", "19700131", true, "19700131"},
    {"PatientBirthDate", "1970-01-31", true, "19700131"},
    {"PatientBirthDate", "1970/1/31", true, "19700131"},
    {"PatientBirthDate", "1970.01.31", true, "19700131"},
    {"PatientBirthDate", "1970年1月31日", true, "19700131"},
    {"PatientBirthDate", "2000-02-29", true, "20000229"},
    {"PatientBirthDate", "1900-02-29", false, "not a calendar date"},
    {"PatientBirthDate", "1970-13-01", false, "not a calendar date"},
    {"PatientBirthDate", "01/31/1970", false, "ambiguous"},
    {"PatientBirthDate", "31.01.1970", false, "ambiguous"},
    {"StudyDate", "yesterday", false, "not a date"},
    {"StudyDate", "", true, ""},
    // TM: times
    {"StudyTime", "102030", true, "102030"},
    {"StudyTime", "10:20:30", true, "102030"},
    {"StudyTime", "10:20", true, "1020"},
    {"StudyTime", "10:20:30.123456", true, "102030.123456"},
    {"StudyTime", "25:00", false, "not a time of day"},
    {"StudyTime", "10:61", false, "not a time of day"},
    {"StudyTime", "1020304", false, "not a time"},
    {"StudyTime", "10:20:30.1234567", false, "fraction"},
    // DT: date-times
    {"AcquisitionDateTime", "1970-01-31T10:20:30", true, "19700131102030"},
    {"AcquisitionDateTime", "19700131102030+0100", true, "19700131102030+0100"},
    {"AcquisitionDateTime", "1970-01-31T10:20:30Z", true, "19700131102030+0000"},
    {"AcquisitionDateTime", "1970-01-31T10:20:30+25:00", false, "time zone"},
    {"AcquisitionDateTime", "noon", false, "not a date-time"},
    // AS: ages
    {"PatientAge", "065Y", true, "065Y"},
    {"PatientAge", "65 years", true, "065Y"},
    {"PatientAge", "65y", true, "065Y"},
    {"PatientAge", "3 months", true, "003M"},
    {"PatientAge", "10 weeks", true, "010W"},
    {"PatientAge", "5 days", true, "005D"},
    {"PatientAge", "65岁", true, "065Y"},
    {"PatientAge", "65", false, "needs a unit"},
    {"PatientAge", "1000Y", false, "not an age"},
    {"PatientAge", "65 decades", false, "unknown unit"},
    // DS: decimals, with the units the manifests of HIS exports carry
    {"PatientWeight", "70.5", true, "70.5"},
    {"PatientWeight", "70.5 kg", true, "70.5"},
    {"PatientWeight", "70500 g", true, "70.5"},
    {"PatientWeight", "70.5公斤", true, "70.5"},
    {"PatientWeight", "seventy", false, "not a decimal number"},
    {"PatientWeight", "70,5", false, "not one dcmflow converts"},
    {"PatientWeight", "70.5 stone", false, "not one dcmflow converts"},
    {"PatientSize", "175 cm", true, "1.75"},
    {"PatientSize", "1.75", true, "1.75"},
    {"SliceThickness", "1.25e-3", true, "1.25e-3"},
    {"SliceThickness", "0.12345678901234567", false, "16 characters"},
    // IS: integers
    {"SeriesNumber", "12", true, "12"},
    {"SeriesNumber", "-3", true, "-3"},
    {"SeriesNumber", "1.5", false, "not an integer"},
    {"SeriesNumber", "99999999999", false, "outside the IS range"},
    // CS: codes, with attribute-specific spellings
    {"PatientSex", "M", true, "M"},
    {"PatientSex", "female", true, "F"},
    {"PatientSex", "男", true, "M"},
    {"PatientSex", "女", true, "F"},
    {"Modality", "ot", true, "OT"},
    {"Modality", "X-RAY", false, "A-Z, 0-9"},
    {"SmokingStatus", "yes", true, "YES"},
    {"SmokingStatus", "否", true, "NO"},
    {"ImageType", "ORIGINAL\\PRIMARY", true, "ORIGINAL\\PRIMARY"},
    {"BodyPartExamined", "THIS IS FAR TOO LONG", false, "16 characters"},
    // PN: person names, groups and components
    {"PatientName", "Doe^John", true, "Doe^John"},
    {"PatientName", "Wang^XiaoDong=王^小东=", true, "Wang^XiaoDong=王^小东="},
    {"PatientName", "a=b=c=d", false, "3 component groups"},
    {"PatientName", "a^b^c^d^e^f", false, "5 name components"},
    {"PatientName", "Doe\\Smith", false, "takes 1"},
    {"ReferringPhysicianName", "Müller^Anna", true, "Müller^Anna"},
    // LO, SH, LT: lengths in characters, control characters
    {"PatientID", "  ID-123  ", true, "ID-123"},
    {"PatientID", std::string(65, 'x'), false, "64 characters"},
    {"PatientID", "王小东的病历号", true, "王小东的病历号"},
    {"PatientID", "bad\x01id", false, "control characters"},
    {"PatientID", "\xC3\x28", false, "not valid UTF-8"},
    {"AccessionNumber", "A-1234567890123456", false, "16 characters"},
    {"StudyID", "S1", true, "S1"},
    {"StudyComments", "line one\r\nline two", true, "line one\r\nline two"},
    {"AdditionalPatientHistory", "slash \\ kept in text", true, "slash \\ kept in text"},
    // UI
    {"StudyInstanceUID", "1.2.840.10008.1", true, "1.2.840.10008.1"},
    {"StudyInstanceUID", "1.02.3", false, "leading zero"},
    {"StudyInstanceUID", "1.2.x", false, "digits and dots"},
    {"StudyInstanceUID", "1.2..3", false, "digits and dots"},
    // Binary numbers
    {"BitsGrouped", "12", true, "12"},
    {"BitsGrouped", "-1", false, "not a valid number"},
};

TEST(value_rules, table_of_valid_and_invalid_values) {
  ASSERT_GE(cases.size(), 60U);
  for (const value_case& test : cases) {
    auto entry = look_up_keyword(test.keyword);
    ASSERT_TRUE(entry) << test.keyword;
    auto result = normalise_value({test.keyword, entry->vr, entry->vm}, test.input);
    if (test.valid) {
      EXPECT_TRUE(result) << test.keyword << " " << test.input << ": " << (result ? "" : result.error().message);
      if (result) {
        EXPECT_EQ(result.value(), test.expected) << test.keyword << " " << test.input;
      }
    } else {
      EXPECT_FALSE(result) << test.keyword << " " << test.input << " was accepted as "
                           << (result ? result.value() : "");
      if (!result) {
        EXPECT_NE(result.error().message.find(test.expected), std::string::npos)
            << test.keyword << " " << test.input << ": " << result.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace dcmflow::dicom
