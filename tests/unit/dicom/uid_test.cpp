#include "dicom/uid.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <unordered_set>

namespace dcmflow::dicom {
namespace {

TEST(uid, random_uid_is_a_valid_uid_under_2_25) {
  // PS3.5 9.1: digits and dots, no leading zero in a component, at most 64 characters.
  const std::regex valid(R"(2\.25\.(0|[1-9][0-9]*))");
  for (int i = 0; i < 1000; ++i) {
    const std::string uid = random_uid();
    EXPECT_TRUE(std::regex_match(uid, valid)) << uid;
    EXPECT_LE(uid.size(), 64U) << uid;
  }
}

TEST(uid, random_uids_do_not_repeat) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(seen.insert(random_uid()).second);
}

}  // namespace
}  // namespace dcmflow::dicom

namespace dcmflow::dicom {
namespace {

TEST(uid, derived_uid_is_stable_and_depends_on_every_part) {
  const std::string first = derived_uid("2.25", "job", {"content", "instance", "1"});
  EXPECT_EQ(first, derived_uid("2.25", "job", {"content", "instance", "1"}));
  EXPECT_NE(first, derived_uid("2.25", "job", {"content", "instance", "2"}));
  EXPECT_NE(first, derived_uid("2.25", "other job", {"content", "instance", "1"}));
  EXPECT_NE(derived_uid("2.25", "j", {"ab", "c"}), derived_uid("2.25", "j", {"a", "bc"}));
  EXPECT_TRUE(std::regex_match(first, std::regex(R"(2\.25\.[1-9][0-9]*)"))) << first;
  EXPECT_LE(first.size(), 64U);
}

TEST(uid, derived_uid_under_an_organisation_root_fills_64_characters_at_most) {
  const std::string root = "1.2.826.0.1.3680043.10.1234";
  const std::string uid = derived_uid(root, "job", {"x"});
  EXPECT_EQ(uid.rfind(root + ".", 0), 0U);
  EXPECT_LE(uid.size(), 64U);
  EXPECT_TRUE(std::regex_match(uid, std::regex(R"([0-9.]+\.[1-9][0-9]*)"))) << uid;
}

}  // namespace
}  // namespace dcmflow::dicom
