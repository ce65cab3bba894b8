// Job files read directly: every problem is FILE:LINE: what, unknown keys included, and a
// valid file gives the typed settings it names.

#include "job/job_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../temp_folder.hpp"

namespace dcmflow::job {
namespace {

class job_file_test : public testing::temp_folder_test {
 protected:
  job_file_test() : temp_folder_test("dcmflow-job-file-") {}

  result<job_spec> load(const std::string& yaml) {
    const auto file = folder_ / "job.yaml";
    std::ofstream(file) << yaml;
    return load_job_file(file);
  }
  // The problem's "job.yaml:LINE: ..." part.
  static std::string problem(const result<job_spec>& loaded) {
    if (loaded) return "(loaded)";
    const std::string& message = loaded.error().message;
    return message.substr(message.find("job.yaml:"));
  }
};

TEST_F(job_file_test, a_valid_job_gives_its_typed_settings_and_the_defaults) {
  auto loaded = load(
      "inputs: [scans]\n"
      "codec: jpegls-near:2\n"
      "destinations: [file://out, dicom://PACS@127.0.0.1:104]\n"
      "limits:\n"
      "  outage_limit: 60\n"
      "  decode_timeout: 30\n"
      "uid: {root: 1.2.3}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->inputs.size(), 1U);
  EXPECT_EQ(loaded->inputs[0].path, "scans");
  EXPECT_EQ(loaded->codec, "jpegls-near:2");
  EXPECT_EQ(loaded->destinations.size(), 2U);
  EXPECT_EQ(loaded->outage_limit_s, 60);
  EXPECT_EQ(loaded->decode_timeout_s, 30);
  EXPECT_EQ(loaded->uid_root, "1.2.3");
  EXPECT_EQ(loaded->journal, "job.journal.sqlite");  // beside the job
  EXPECT_EQ(loaded->folder, folder_);
  EXPECT_EQ(loaded->dpi, 200);
}

TEST_F(job_file_test, a_transcoding_job_names_its_character_sets) {
  auto loaded = load("inputs: [legacy]\nmode: transcode\nrecode_charset: utf8\nassume_charset: gb18030\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->recode_charset, "utf8");
  EXPECT_EQ(loaded->assume_charset, "gb18030");
  auto plain = load("inputs: [legacy]\n");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(plain->recode_charset.empty());  // text kept as it is
  EXPECT_TRUE(plain->assume_charset.empty());
}

TEST_F(job_file_test, the_destination_defaults_to_a_folder_beside_the_job) {
  auto loaded = load("inputs: [scans]\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->destinations.size(), 1U);
  EXPECT_EQ(loaded->destinations[0], "file://output");
}

TEST_F(job_file_test, a_misspelt_key_is_refused_at_its_line) {
  EXPECT_EQ(problem(load("inputs: [scans]\n\ncodecs: jpegls\n")).substr(0, 11), "job.yaml:3:");
  EXPECT_NE(problem(load("inputs: [scans]\nlimits:\n  outage_limits: 60\n")).find("job.yaml:3:"), std::string::npos);
}

TEST_F(job_file_test, values_are_checked_where_they_are_written) {
  EXPECT_NE(problem(load("inputs: [scans]\ncodec: webp\n")).find("job.yaml:2: codec: webp"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\ncodec: jpeg:0\n")).find("job.yaml:2:"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\nlimits: {outage_limit: 0}\n")).find("job.yaml:2:"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\nuid: {root: 1..2}\n")).find("uid.root"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\ncharset: klingon\n")).find("job.yaml:2: charset"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\nrecode_charset: klingon\n")).find("job.yaml:2: recode_charset"),
            std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\nassume_charset: ebcdic\n")).find("job.yaml:2: assume_charset"),
            std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\nattributes: {PatientSex: X}\n")).find("job.yaml:2:"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans]\ndestinations: []\n")).find("job.yaml:2:"), std::string::npos);
}

TEST_F(job_file_test, a_job_without_inputs_or_not_yaml_is_refused) {
  EXPECT_NE(problem(load("codec: jpegls\n")).find("inputs"), std::string::npos);
  EXPECT_NE(problem(load("inputs: [scans\n")).find("not valid YAML"), std::string::npos);
  EXPECT_NE(problem(load("- just\n- a list\n")).find("mapping"), std::string::npos);
  EXPECT_FALSE(load_job_file(folder_ / "absent.yaml"));
}

}  // namespace
}  // namespace dcmflow::job
