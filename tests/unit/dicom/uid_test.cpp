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
