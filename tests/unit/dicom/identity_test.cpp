#include "dicom/identity.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace dcmflow::dicom {
namespace {

attribute_assignment set(std::string keyword, std::string value) {
  return {.tag = {}, .keyword = std::move(keyword), .vr = "LO", .value = std::move(value)};
}

derived_uids uids_of(const std::vector<attribute_assignment>& attributes, std::string_view key = "in/a.png",
                     std::string_view rendering = "per_page=0") {
  return derived_uids({.input_key = key, .content_sha256 = "abc", .attributes = attributes, .rendering = rendering},
                      {});
}

TEST(identity, different_patients_share_no_uid) {
  const auto a = uids_of({set("PatientID", "A")});
  const auto b = uids_of({set("PatientID", "B")});
  EXPECT_NE(a.study(), b.study());
  EXPECT_NE(a.series(), b.series());
  EXPECT_NE(a.instance(0), b.instance(0));
  EXPECT_NE(a.pdf_instance(), b.pdf_instance());
}

TEST(identity, the_same_input_and_attributes_give_the_same_uids) {
  const auto a = uids_of({set("PatientID", "A"), set("AccessionNumber", "X")});
  const auto again = uids_of({set("AccessionNumber", "X"), set("PatientID", "A")});  // order does not matter
  EXPECT_EQ(a.study(), again.study());
  EXPECT_EQ(a.series(), again.series());
  EXPECT_EQ(a.instance(3), again.instance(3));
  EXPECT_NE(a.instance(0), a.instance(1));
}

TEST(identity, the_last_assignment_wins_as_in_the_dataset) {
  EXPECT_EQ(uids_of({set("PatientID", "A"), set("PatientID", "B")}).instance(0),
            uids_of({set("PatientID", "B")}).instance(0));
}

TEST(identity, inputs_with_equal_bytes_are_objects_of_their_own) {
  EXPECT_NE(uids_of({}, "forms.zip!form-1.png").instance(0), uids_of({}, "forms.zip!form-2.png").instance(0));
  EXPECT_NE(uids_of({}, "x").study(), uids_of({}, "y").study());  // no PatientID: a study of its own
}

TEST(identity, values_cannot_forge_a_boundary) {
  EXPECT_NE(uids_of({set("PatientName", "A"), set("PatientSex", "M")}).instance(0),
            uids_of({set("PatientName", "A5:PatientSex1:M")}).instance(0));
}

TEST(identity, a_study_is_a_patient_and_an_accession) {
  const auto first = uids_of({set("PatientID", "P"), set("AccessionNumber", "X")}, "a.png");
  const auto second = uids_of({set("PatientID", "P"), set("AccessionNumber", "X"), set("SeriesDescription", "Scan")},
                              "b.png");
  EXPECT_EQ(first.study(), second.study());
  EXPECT_NE(first.series(), second.series());
  EXPECT_NE(first.study(), uids_of({set("PatientID", "P"), set("AccessionNumber", "Y")}).study());
  // The same ID under another issuer or name is another patient.
  EXPECT_NE(first.study(),
            uids_of({set("PatientID", "P"), set("IssuerOfPatientID", "H2"), set("AccessionNumber", "X")}).study());
  EXPECT_NE(first.study(),
            uids_of({set("PatientID", "P"), set("PatientName", "Li^Na"), set("AccessionNumber", "X")}).study());
}

TEST(identity, rendering_another_way_is_another_object) {
  EXPECT_NE(uids_of({}, "r.pdf", "per_page=0 dpi=200").instance(0), uids_of({}, "r.pdf", "per_page=0 dpi=300").instance(0));
}

}  // namespace
}  // namespace dcmflow::dicom
