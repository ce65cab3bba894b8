#include "store/dimse_status.hpp"

#include <gtest/gtest.h>

namespace dcmflow::store {
namespace {

TEST(dimse_status, is_written_as_four_hex_digits) {
  EXPECT_EQ(status_hex(0x0000), "0000");
  EXPECT_EQ(status_hex(0xA700), "A700");
  EXPECT_EQ(status_hex(0xc001), "C001");
}

// PS3.4 B.2.3 (Storage SCP statuses) and PS3.7 C.
TEST(dimse_status, c_store_answers_mean_what_ps3_4_says) {
  EXPECT_EQ(classify_c_store_status(0x0000), c_store_status::success);
  for (const std::uint16_t warning : {0xB000, 0xB007, 0xB006}) {
    EXPECT_EQ(classify_c_store_status(warning), c_store_status::warning) << status_hex(warning);
  }
  for (const std::uint16_t busy : {0xA700, 0xA701, 0xA7FF}) {
    EXPECT_EQ(classify_c_store_status(busy), c_store_status::out_of_resources) << status_hex(busy);
  }
  // Refusals of the instance, and anything not in the standard: never counted as stored.
  for (const std::uint16_t refused : {0xA900, 0xC000, 0xCFFF, 0x0122, 0x0211, 0xB001, 0xFE00, 0xFFFF}) {
    EXPECT_EQ(classify_c_store_status(refused), c_store_status::refused) << status_hex(refused);
  }
}

}  // namespace
}  // namespace dcmflow::store
