#include <gtest/gtest.h>

#include "graph/admission.hpp"

namespace dcmflow::graph {
namespace {

item_handle item_of(std::uint64_t bytes, std::size_t index = 0) {
  auto item = std::make_shared<work_item>();
  item->index = index;
  item->estimated_bytes = bytes;
  return item;
}

TEST(admission, items_wait_while_the_budget_is_spent_and_go_in_arrival_order) {
  admission gate(100);
  EXPECT_EQ(gate.arrive(item_of(60, 1)).size(), 1U);
  EXPECT_EQ(gate.arrive(item_of(30, 2)).size(), 1U);
  EXPECT_TRUE(gate.arrive(item_of(20, 3)).empty());  // 60 + 30 + 20 > 100
  EXPECT_TRUE(gate.arrive(item_of(5, 4)).empty());   // fits, but may not overtake item 3
  EXPECT_EQ(gate.in_flight(), 90U);
  const auto admitted = gate.release(60);
  ASSERT_EQ(admitted.size(), 2U);
  EXPECT_EQ(admitted[0]->index, 3U);
  EXPECT_EQ(admitted[1]->index, 4U);
  EXPECT_EQ(gate.in_flight(), 55U);
  EXPECT_EQ(admitted[0]->admitted_bytes, 20U);
}

TEST(admission, an_item_larger_than_the_budget_runs_alone) {
  admission gate(100);
  EXPECT_EQ(gate.arrive(item_of(10)).size(), 1U);
  EXPECT_TRUE(gate.arrive(item_of(500)).empty());
  const auto admitted = gate.release(10);
  ASSERT_EQ(admitted.size(), 1U);
  EXPECT_EQ(gate.in_flight(), 500U);
  EXPECT_TRUE(gate.arrive(item_of(1)).empty());
  EXPECT_EQ(gate.release(500).size(), 1U);
}

TEST(admission, failed_and_skipped_items_pass_without_taking_bytes) {
  admission gate(100);
  EXPECT_EQ(gate.arrive(item_of(100)).size(), 1U);
  auto failed = item_of(50);
  failed->fail(failure{"unreadable"});
  auto skipped = item_of(50);
  skipped->skipped = true;
  EXPECT_EQ(gate.arrive(failed).size(), 1U);
  EXPECT_EQ(gate.arrive(skipped).size(), 1U);
  EXPECT_EQ(gate.in_flight(), 100U);
  EXPECT_EQ(failed->admitted_bytes, 0U);
}

}  // namespace
}  // namespace dcmflow::graph
