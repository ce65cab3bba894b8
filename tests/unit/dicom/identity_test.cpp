#include "dicom/identity.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace dcmflow::dicom {
namespace {

attribute_assignment set(std::string keyword, std::string value) {
  return {.tag = {}, .keyword = std::move(keyword), .vr = "LO", .value = std::move(value)};
}

derived_uids uids_of(const std::vector<attribute_assignment>& attributes, std::string_view key = "in/a.png",
                     rendering_recipe rendering = {}) {
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
  const auto second =
      uids_of({set("PatientID", "P"), set("AccessionNumber", "X"), set("SeriesDescription", "Scan")}, "b.png");
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
  const rendering_recipe at_200{.document = true, .dpi = 200};
  const rendering_recipe at_300{.document = true, .dpi = 300};
  EXPECT_NE(uids_of({}, "r.pdf", at_200).instance(0), uids_of({}, "r.pdf", at_300).instance(0));
  EXPECT_NE(uids_of({}, "r.pdf", at_200).instance(0),
            uids_of({}, "r.pdf", {.lossy_codec = "j2k:10", .document = true, .dpi = 200}).instance(0));
}

// The recipe's text is hashed into every derived UID: it must stay as it was written when
// the first objects were made, or a rerun would make other objects of the same input.
TEST(identity, the_recipe_is_written_as_it_always_was) {
  EXPECT_EQ(rendering_recipe{}.text(), "per_page=0");
  EXPECT_EQ((rendering_recipe{.per_page = true,
                              .frames_per_instance = 2,
                              .lossy_codec = "j2k:10",
                              .document = true,
                              .dpi = 200,
                              .colour = 1}
                 .text()),
            "per_page=1 frames_per_instance=2 lossy=j2k:10 dpi=200.000000 colour=1");
  EXPECT_EQ(lossy_successor_uid({}, "1.2.3", "1.2.840.10008.1.2.4.91"),
            lossy_successor_uid({}, "1.2.3", "1.2.840.10008.1.2.4.91"));
  EXPECT_NE(lossy_successor_uid({}, "1.2.3", "1.2.840.10008.1.2.4.91"),
            lossy_successor_uid({}, "1.2.3", "1.2.840.10008.1.2.4.203"));
}

}  // namespace
}  // namespace dcmflow::dicom
