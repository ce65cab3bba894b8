#include "dicom/attribute.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace dcmflow::dicom {
namespace {

TEST(attribute, keyword_assignment_resolves_tag_and_vr) {
  auto parsed = parse_assignment("PatientName=Doe^John");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->tag, (tag{0x0010, 0x0010}));
  EXPECT_EQ(parsed->vr, "PN");
  EXPECT_EQ(parsed->keyword, "PatientName");
  EXPECT_EQ(parsed->value, "Doe^John");
}

TEST(attribute, value_may_contain_equals_signs_and_be_empty) {
  auto with_equals = parse_assignment("StudyDescription=a=b");
  ASSERT_TRUE(with_equals);
  EXPECT_EQ(with_equals->value, "a=b");
  auto empty = parse_assignment("AccessionNumber=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->value, "");
}

TEST(attribute, unknown_keyword_fails_naming_it) {
  auto parsed = parse_assignment("PatientNaem=Doe");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("PatientNaem"), std::string::npos);
}

TEST(attribute, missing_equals_sign_fails) {
  EXPECT_FALSE(parse_assignment("PatientName"));
  EXPECT_FALSE(parse_assignment("=Doe"));
}

TEST(attribute, attributes_derived_from_pixels_cannot_be_set) {
  for (const char* text : {"Rows=10", "Columns=10", "BitsAllocated=8", "PixelData=0", "SOPClassUID=1.2",
                           "TransferSyntaxUID=1.2", "NumberOfFrames=2", "PhotometricInterpretation=RGB", "HighBit=7"}) {
    auto parsed = parse_assignment(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_NE(parsed.error().message.find("derived"), std::string::npos) << text;
    }
  }
}

TEST(attribute, sequences_cannot_be_set_from_text) {
  auto parsed = parse_assignment("ReferencedImageSequence=x");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("SQ"), std::string::npos);
}

TEST(attribute, binary_vr_values_are_checked_when_parsed) {
  EXPECT_TRUE(parse_assignment("NumberOfTemporalPositions=3"));  // IS: text
  EXPECT_TRUE(parse_assignment("ExposureTime=12"));              // IS
  EXPECT_TRUE(parse_assignment("BitsGrouped=12"));               // US
  auto bad = parse_assignment("BitsGrouped=twelve");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("BitsGrouped"), std::string::npos);
  EXPECT_EQ(bad.error().message.find("twelve"), std::string::npos);  // values are never quoted: they may be names
  EXPECT_FALSE(parse_assignment("BitsGrouped=70000"));               // out of US range
}

TEST(attribute, binary_values_encode_little_endian_with_multiplicity) {
  auto encoded = encode_binary_value("US", "1\\513");
  ASSERT_TRUE(encoded);
  ASSERT_EQ(encoded->size(), 4U);
  EXPECT_EQ(static_cast<unsigned char>((*encoded)[0]), 1);
  EXPECT_EQ(static_cast<unsigned char>((*encoded)[2]), 1);
  EXPECT_EQ(static_cast<unsigned char>((*encoded)[3]), 2);
  auto floating = encode_binary_value("FD", "-2.5");
  ASSERT_TRUE(floating);
  double value = 0;
  std::memcpy(&value, floating->data(), sizeof value);
  EXPECT_EQ(value, -2.5);
}

}  // namespace
}  // namespace dcmflow::dicom
