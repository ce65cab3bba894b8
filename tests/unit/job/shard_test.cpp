#include <gtest/gtest.h>

#include <string>

#include "job/shard.hpp"

namespace dcmflow::job {
namespace {

TEST(shard, every_key_belongs_to_exactly_one_shard_and_shards_are_balanced) {
  constexpr std::size_t count = 3;
  std::size_t sizes[count] = {};
  for (int key = 0; key < 3000; ++key) {
    const std::string name = "archive.zip!reports/" + std::to_string(key) + ".docx";
    std::size_t owners = 0;
    for (std::size_t index = 0; index < count; ++index) {
      if (shard{index, count}.holds(name)) {
        ++owners;
        ++sizes[index];
      }
    }
    EXPECT_EQ(owners, 1U) << name;
  }
  for (const std::size_t size : sizes) EXPECT_NEAR(static_cast<double>(size), 1000.0, 100.0);
}

TEST(shard, parses_i_of_n_and_refuses_the_rest) {
  auto parsed = parse_shard("2/5");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->index, 2U);
  EXPECT_EQ(parsed->count, 5U);
  EXPECT_EQ(parsed->suffix(), ".shard-2-of-5");
  EXPECT_EQ(parse_shard("0/1")->suffix(), "");
  for (const char* bad : {"5/5", "1/0", "a/3", "1", "1/3x", "-1/3", "/3", ""}) {
    EXPECT_FALSE(parse_shard(bad)) << bad;
  }
}

}  // namespace
}  // namespace dcmflow::job
