// Character sets, written and read back byte by byte against PS3.5's own examples.

#include "dicom/character_set.hpp"
#include "dicom/text_decoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dcmflow::dicom {
namespace {

std::string bytes(std::initializer_list<unsigned char> values) { return std::string(values.begin(), values.end()); }

TEST(character_set, names_are_the_ones_dicom_writes) {
  EXPECT_EQ(specific_character_set(*parse_character_set("utf8")), "ISO_IR 192");
  EXPECT_EQ(specific_character_set(*parse_character_set("gb18030")), "GB18030");
  EXPECT_EQ(specific_character_set(*parse_character_set("iso2022-gb2312")), "\\ISO 2022 IR 58");
  EXPECT_EQ(specific_character_set(*parse_character_set("latin1")), "ISO_IR 100");
  auto unknown = parse_character_set("big5");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("gb18030"), std::string::npos) << "names the choices";
}

// PS3.5 H.3.2: each Chinese run of a PN is announced by ESC $ ) A, and the state resets at
// every '^' and '='.
TEST(character_set, iso2022_gb2312_escapes_each_chinese_run_of_a_person_name) {
  auto written = encode_text("Wang^XiaoDong=王^小东=", character_set::iso2022_gb2312, "PN");
  ASSERT_TRUE(written) << written.error().message;
  const std::string expected = "Wang^XiaoDong=" + bytes({0x1B, 0x24, 0x29, 0x41, 0xCD, 0xF5}) + "^" +
                               bytes({0x1B, 0x24, 0x29, 0x41, 0xD0, 0xA1, 0xB6, 0xAB}) + "=";
  EXPECT_EQ(*written, expected);
  const std::vector<std::string> declared = {"", "ISO 2022 IR 58"};
  auto read = decode_text(*written, declared, "PN");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, "Wang^XiaoDong=王^小东=");
}

TEST(character_set, gb18030_and_utf8_round_trip_through_the_reader) {
  for (const auto& [set, name] :
       {std::pair{character_set::gb18030, "GB18030"}, std::pair{character_set::utf8, "ISO_IR 192"}}) {
    auto written = encode_text("胸部CT报告 Zhang^San", set, "LO");
    ASSERT_TRUE(written) << name << ": " << written.error().message;
    const std::vector<std::string> declared = {name};
    auto read = decode_text(*written, declared, "LO");
    ASSERT_TRUE(read) << name << ": " << read.error().message;
    EXPECT_EQ(*read, "胸部CT报告 Zhang^San") << name;
  }
  EXPECT_EQ(*encode_text("王", character_set::gb18030, "PN"), bytes({0xCD, 0xF5}));
}

TEST(character_set, a_value_the_set_cannot_hold_fails_instead_of_losing_characters) {
  auto latin = encode_text("Amélie 王", character_set::latin1, "PN");
  ASSERT_FALSE(latin);
  EXPECT_EQ(*encode_text("Amélie", character_set::latin1, "PN"), "Am" + bytes({0xE9}) + "lie");
  // GB2312 through ISO 2022 lacks characters GB18030 has (𠀀, U+20000).
  EXPECT_FALSE(encode_text("𠀀", character_set::iso2022_gb2312, "LO"));
}

TEST(character_set, text_vrs_follow_the_set_and_others_do_not) {
  for (const char* vr : {"SH", "LO", "UC", "ST", "LT", "UT", "PN"}) EXPECT_TRUE(is_character_set_vr(vr)) << vr;
  for (const char* vr : {"CS", "DA", "UI", "DS", "AE"}) EXPECT_FALSE(is_character_set_vr(vr)) << vr;
}

TEST(character_set, legacy_bytes_are_read_as_their_declared_set_or_refused) {
  const std::vector<std::string> latin1 = {"ISO_IR 100"};
  EXPECT_EQ(*decode_text("Am" + bytes({0xE9}) + "lie", latin1, "PN"), "Amélie");
  const std::vector<std::string> unknown = {"ISO_IR 999"};
  EXPECT_FALSE(decode_text("x", unknown, "PN"));
  const std::vector<std::string> utf8 = {"ISO_IR 192"};
  EXPECT_FALSE(decode_text(bytes({0xC3, 0x28}), utf8, "PN")) << "malformed UTF-8 is refused";
}

}  // namespace
}  // namespace dcmflow::dicom
