#include "job/workitem_job.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>

namespace dcmflow::job {
namespace {

using worklist::dataset;
namespace tag = worklist::tag;

dataset parameter(const std::string& name, const std::string& value) {
  return {
      {tag::value_type, worklist::text_element("CS", "TEXT")},
      {tag::concept_name_code_sequence, {{"vr", "SQ"}, {"Value", {worklist::code_item({name, "99DCMFLOW", name})}}}},
      {tag::text_value, worklist::text_element("UT", value)}};
}

worklist::workitem import_of(const std::vector<dataset>& parameters, const std::string& destination_ae) {
  worklist::workitem item;
  item.set_items(tag::scheduled_workitem_code_sequence, {worklist::code_item(import_workitem_code)});
  item.set_items(tag::scheduled_processing_parameters_sequence, parameters);
  item.set_text(tag::patient_id, "LO", "P-1");
  item.set_text(tag::patient_name, "PN", "Doe^Jane");
  dataset storage = {{tag::destination_ae, worklist::text_element("AE", destination_ae)}};
  dataset destination = {{tag::dicom_storage_sequence, {{"vr", "SQ"}, {"Value", {storage}}}}};
  item.set_items(tag::output_destination_sequence, {destination});
  return item;
}

class WorkitemJob : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("workitem-job-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "scans");
    settings_.input_root = root_;
    settings_.peers["PACS"] = "dicom://PACS@127.0.0.1:11112";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
  performer_settings settings_;
};

TEST_F(WorkitemJob, ReadsInputsPatientAndDestinations) {
  const auto item =
      import_of({parameter("DCMFLOW-INPUT", "scans"), parameter("DCMFLOW-SET", "StudyDescription=Scans")}, "PACS");
  EXPECT_TRUE(is_import_workitem(item));
  auto request = read_import_request(item, settings_);
  ASSERT_TRUE(request) << request.error().message;
  ASSERT_EQ(request->inputs.size(), 1U);
  EXPECT_EQ(request->inputs[0], std::filesystem::weakly_canonical(root_ / "scans"));
  EXPECT_EQ(request->destinations, std::vector<std::string>{"dicom://PACS@127.0.0.1:11112"});
  EXPECT_EQ(request->retrieve_ae.at("dicom://PACS@127.0.0.1:11112"), "PACS");
  const auto has = [&](const std::string& assignment) {
    return std::find(request->attributes.begin(), request->attributes.end(), assignment) != request->attributes.end();
  };
  EXPECT_TRUE(has("StudyDescription=Scans"));
  EXPECT_TRUE(has("PatientID=P-1"));
  EXPECT_TRUE(has("PatientName=Doe^Jane"));
  auto job_file = write_import_job(*request, root_ / "job");
  ASSERT_TRUE(job_file) << job_file.error().message;
  std::ifstream written(*job_file);
  const std::string text((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("dicom://PACS@127.0.0.1:11112"), std::string::npos);
}

TEST_F(WorkitemJob, InputsMustStayStrictlyInsideTheRoot) {
  // The root itself would import every workitem's files under this workitem's patient.
  for (const std::string outside : {"/etc", "../..", "scans/../../", ".", "scans/..", "", "secret/../../Zhang_San"}) {
    auto request = read_import_request(import_of({parameter("DCMFLOW-INPUT", outside)}, "PACS"), settings_);
    ASSERT_FALSE(request) << outside;
    EXPECT_NE(request.error().message.find("DCMFLOW-INPUT #1"), std::string::npos) << outside;
    EXPECT_EQ(request.error().message.find("Zhang"), std::string::npos);  // paths can hold names: never quoted
  }
  std::filesystem::create_directory_symlink("/etc", root_ / "link");
  EXPECT_FALSE(read_import_request(import_of({parameter("DCMFLOW-INPUT", "link")}, "PACS"), settings_));
}

TEST_F(WorkitemJob, DicomwebDestinationsAreOnlyThoseTheOperatorListsWithTheOperatorsOptions) {
  settings_.web_peers = {"https://pacs.example/dicom-web?bearer_token_env=PACS_TOKEN&batch=20"};
  const auto stow_to = [&](const std::string& url) {
    worklist::workitem item = import_of({parameter("DCMFLOW-INPUT", "scans")}, "PACS");
    dataset stow = {{tag::storage_url, worklist::text_element("UR", url)}};
    item.set_items(tag::output_destination_sequence,
                   {{{tag::stow_storage_sequence, {{"vr", "SQ"}, {"Value", {stow}}}}}});
    return read_import_request(item, settings_);
  };
  auto listed = stow_to("https://pacs.example/dicom-web/");
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->destinations, settings_.web_peers);  // the operator's URL, options and all
  EXPECT_FALSE(stow_to("https://elsewhere.example/dicom-web"));
  EXPECT_FALSE(stow_to("https://pacs.example/dicom-web?bearer_token_env=HOME&allow_insecure=1"));
  EXPECT_FALSE(stow_to("https://user:password@pacs.example/dicom-web"));
  EXPECT_FALSE(stow_to("file:///tmp/out"));
}

TEST_F(WorkitemJob, AnAttributeGivenTwiceIsRefused) {
  auto twice = read_import_request(
      import_of({parameter("DCMFLOW-INPUT", "scans"), parameter("DCMFLOW-SET", "PatientID=OTHER")}, "PACS"), settings_);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("PatientID is given twice"), std::string::npos);
  auto bare = read_import_request(
      import_of({parameter("DCMFLOW-INPUT", "scans"), parameter("DCMFLOW-SET", "Zhang San")}, "PACS"), settings_);
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error().message.find("Zhang"), std::string::npos);
}

TEST_F(WorkitemJob, RefusesWhatItCannotPerform) {
  EXPECT_FALSE(read_import_request(import_of({}, "PACS"), settings_));  // no input
  EXPECT_FALSE(read_import_request(import_of({parameter("DCMFLOW-INPUT", "scans")}, "ELSEWHERE"), settings_));
  EXPECT_FALSE(read_import_request(
      import_of({parameter("DCMFLOW-INPUT", "scans"), parameter("DCMFLOW-OTHER", "x")}, "PACS"), settings_));
  EXPECT_FALSE(read_import_request(
      import_of({parameter("DCMFLOW-INPUT", "scans"), parameter("DCMFLOW-SET", "PatientBirthDate=someday")}, "PACS"),
      settings_));
  worklist::workitem other;
  other.set_items(tag::scheduled_workitem_code_sequence, {worklist::code_item({"OTHER", "DCM", "Other"})});
  EXPECT_FALSE(is_import_workitem(other));
}

}  // namespace
}  // namespace dcmflow::job

namespace dcmflow::job {
namespace {

TEST_F(WorkitemJob, WhatAnotherPerformerMayServeIsToldApartFromTheWorkitemsOwnFaults) {
  auto unlisted = read_import_request(import_of({parameter("DCMFLOW-INPUT", "scans")}, "ELSEWHERE"), settings_);
  ASSERT_FALSE(unlisted);
  EXPECT_TRUE(unlisted.error().elsewhere);
  auto absent = read_import_request(import_of({parameter("DCMFLOW-INPUT", "not-copied-yet")}, "PACS"), settings_);
  ASSERT_FALSE(absent);
  EXPECT_TRUE(absent.error().elsewhere);
  auto outside = read_import_request(import_of({parameter("DCMFLOW-INPUT", "/etc")}, "PACS"), settings_);
  ASSERT_FALSE(outside);
  EXPECT_FALSE(outside.error().elsewhere);
}

TEST_F(WorkitemJob, APatientGivenAmbiguouslyIsRefused) {
  auto two_ids = import_of({parameter("DCMFLOW-INPUT", "scans")}, "PACS");
  two_ids.set_text(tag::patient_id, "LO", "A\\B");
  EXPECT_FALSE(read_import_request(two_ids, settings_));
  auto ideographic = import_of({parameter("DCMFLOW-INPUT", "scans")}, "PACS");
  auto attributes = ideographic.attributes();
  attributes[tag::patient_name] = {{"vr", "PN"}, {"Value", {{{"Ideographic", "\u5f20\u4e09"}}}}};
  EXPECT_FALSE(read_import_request(worklist::workitem(attributes), settings_));
  auto groups = import_of({parameter("DCMFLOW-INPUT", "scans")}, "PACS");
  groups.set_text(tag::patient_name, "PN", "Doe^Jane=Other^Group");
  EXPECT_FALSE(read_import_request(groups, settings_));
}

TEST_F(WorkitemJob, AWorkitemAsksOnlyForALosslessCodecOnce) {
  const auto with = [&](std::vector<dataset> extra) {
    std::vector<dataset> parameters{parameter("DCMFLOW-INPUT", "scans")};
    parameters.insert(parameters.end(), extra.begin(), extra.end());
    return read_import_request(import_of(parameters, "PACS"), settings_);
  };
  EXPECT_TRUE(with({parameter("DCMFLOW-CODEC", "jpegls")}));
  EXPECT_TRUE(with({parameter("DCMFLOW-CODEC", "auto")}));
  EXPECT_FALSE(with({parameter("DCMFLOW-CODEC", "jpeg:5")}));
  EXPECT_FALSE(with({parameter("DCMFLOW-CODEC", "j2k:10")}));
  EXPECT_FALSE(with({parameter("DCMFLOW-CODEC", "nonsense")}));
  EXPECT_FALSE(with({parameter("DCMFLOW-CODEC", "rle"), parameter("DCMFLOW-CODEC", "jpegls")}));
}

}  // namespace
}  // namespace dcmflow::job
