// manifest/ read directly: encodings, problems by FILE:ROW:COLUMN, rows matched to inputs.
// (tests/conformance/test_manifest.py checks the objects made from them.)

#include "manifest/manifest.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../temp_folder.hpp"

namespace dcmflow::manifest {
namespace {

class manifest_test : public testing::temp_folder_test {
 protected:
  manifest_test() : temp_folder_test("dcmflow-manifest-") {}
  void SetUp() override {
    temp_folder_test::SetUp();
    for (const char* name : {"a.png", "b.png", "c.png"}) std::ofstream(folder_ / name) << "x";
  }

  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    std::ofstream(folder_ / name, std::ios::binary) << bytes;
    return folder_ / name;
  }
  static std::string value(const manifest_row& row, const std::string& keyword) {
    for (const auto& attribute : row.attributes) {
      if (attribute.keyword == keyword) return attribute.value;
    }
    return "(absent)";
  }
};

TEST_F(manifest_test, a_row_gives_its_file_its_values_as_dicom_writes_them) {
  const auto file = write("m.csv",
                          "file,PatientName,PatientID,PatientSex,PatientBirthDate,PatientWeight\n"
                          "a.png,Wang^Wei,P1,M,19790305,62.5\n");
  auto loaded = manifest::load(file, {});
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto row = loaded->row_for(folder_ / "a.png");
  ASSERT_TRUE(row) << row.error().message;
  EXPECT_EQ((*row)->row, 2U);
  EXPECT_TRUE((*row)->problems.empty());
  EXPECT_EQ(value(**row, "PatientID"), "P1");
  EXPECT_EQ(value(**row, "PatientBirthDate"), "19790305");
  EXPECT_FALSE(loaded->row_for(folder_ / "b.png")) << "a file no row names has no row";
}

TEST_F(manifest_test, a_bad_cell_is_a_problem_of_its_row_named_by_file_row_and_column) {
  const auto file = write("m.csv",
                          "file,PatientID,PatientBirthDate\n"
                          "a.png,P1,19790305\n"
                          "b.png,P2,1979-13-45\n");
  auto loaded = manifest::load(file, {});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->attributes_for(folder_ / "a.png"));
  auto bad = loaded->attributes_for(folder_ / "b.png");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("m.csv:3:3: PatientBirthDate (DA)"), std::string::npos) << bad.error().message;
  // The value itself may be PHI: it is not quoted.
  EXPECT_EQ(bad.error().message.find("1979-13-45"), std::string::npos) << bad.error().message;
}

TEST_F(manifest_test, a_row_without_a_patient_id_fails_unless_allowed) {
  const auto file = write("m.csv", "file,PatientName\na.png,Wang^Wei\n");
  auto strict = manifest::load(file, {});
  ASSERT_TRUE(strict);
  EXPECT_FALSE(strict->attributes_for(folder_ / "a.png"));
  manifest_options allowing;
  allowing.allow_missing_patient_id = true;
  auto lenient = manifest::load(file, allowing);
  ASSERT_TRUE(lenient);
  EXPECT_TRUE(lenient->attributes_for(folder_ / "a.png"));
}

TEST_F(manifest_test, a_manifest_without_a_file_column_or_with_an_unknown_column_is_refused_whole) {
  EXPECT_FALSE(manifest::load(write("none.csv", "PatientID\nP1\n"), {}));
  auto unknown = manifest::load(write("unknown.csv", "file,PatientID,Nonsense\na.png,P1,x\n"), {});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("Nonsense"), std::string::npos) << unknown.error().message;
}

TEST_F(manifest_test, gb18030_bytes_are_read_as_chinese_and_windows_1252_as_western) {
  // 王伟 in GB18030; Amélie in Windows-1252.
  const auto chinese = write("zh.csv", "file,PatientID,PatientName\na.png,P1,\xCD\xF5\xCE\xB0\n");
  auto zh = manifest::load(chinese, {});
  ASSERT_TRUE(zh) << zh.error().message;
  EXPECT_EQ(value(**zh->row_for(folder_ / "a.png"), "PatientName"), "王伟");
  const auto western = write("fr.csv", "file,PatientID,PatientName\na.png,P1,Am\xE9lie\n");
  auto fr = manifest::load(western, {});
  ASSERT_TRUE(fr) << fr.error().message;
  EXPECT_EQ(value(**fr->row_for(folder_ / "a.png"), "PatientName"), "Amélie");
}

TEST_F(manifest_test, bytes_that_fit_two_encodings_are_refused_not_guessed) {
  // 王^小东 in GB18030, then Amélie in Windows-1252: runs of pairs and a lone high byte.
  const auto mixed = write("mixed.csv", "file,PatientID,PatientName\na.png,P1,\xCD\xF5^\xD0\xA1\xB6\xAB=Am\xE9lie\n");
  auto loaded = manifest::load(mixed, {});
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("--manifest-encoding gb18030|latin1"), std::string::npos)
      << loaded.error().message;
  manifest_options told;
  told.encoding = text_encoding::gb18030;
  EXPECT_TRUE(manifest::load(mixed, told));
}

TEST_F(manifest_test, a_json_manifest_names_files_as_a_csv_does) {
  const auto file = write("m.json", R"([{"file": "a.png", "PatientID": "P1"}, {"file": "c.png", "PatientID": "P3"}])");
  auto loaded = manifest::load(file, {});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(value(**loaded->row_for(folder_ / "c.png"), "PatientID"), "P3");
  EXPECT_FALSE(manifest::load(write("twice.json", R"([{"file": "a.png", "PatientID": "P1", "PatientID": "P2"}])"), {}));
}

TEST_F(manifest_test, two_rows_naming_one_file_leave_it_without_a_row) {
  const auto file = write("m.csv", "file,PatientID\na.png,P1\n*.png,P2\n");
  auto loaded = manifest::load(file, {});
  ASSERT_TRUE(loaded);
  auto row = loaded->row_for(folder_ / "a.png");
  ASSERT_FALSE(row);
  EXPECT_NE(row.error().message.find("rows 2, 3"), std::string::npos) << row.error().message;
}

}  // namespace
}  // namespace dcmflow::manifest
