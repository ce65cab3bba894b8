#include "store/item_delivery.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dcmflow::store {
namespace {

// A destination that answers every store the same way, and counts what it was asked.
class answering_peer final : public destination {
 public:
  answering_peer(std::string url, std::optional<refusal> answer) : url_(std::move(url)), answer_(std::move(answer)) {}
  [[nodiscard]] const std::string& url() const override { return url_; }
  store_result store(const outgoing_instance&) override {
    ++asked;
    if (answer_) return *answer_;
    return delivery{{"stored with a warning (B000)"}};
  }
  int asked = 0;

 private:
  std::string url_;
  std::optional<refusal> answer_;
};

class item_delivery_test : public ::testing::Test {
 protected:
  answering_peer& add(const std::string& url, std::optional<refusal> answer) {
    auto peer = std::make_shared<answering_peer>(url, std::move(answer));
    peers_.push_back(peer);
    gates_.push_back(std::make_unique<outage_gate>(peer, std::chrono::seconds(1)));
    return *peer;
  }
  // Sends `count` instances of one item; their records.
  std::vector<instance_record> send(item_delivery& delivery, int count) {
    const result<outgoing_instance> object =
        outgoing_instance{"1.2.840.10008.5.1.4.1.1.7", "2.25.1", "1.2.840.10008.1.2.1", "a.dcm", "bytes", {}, {}};
    std::vector<instance_record> records(static_cast<std::size_t>(count));
    for (auto& record : records) {
      delivery.send(
          gates_, [&](std::size_t) -> const auto& { return object; }, record, notes);
    }
    return records;
  }
  std::vector<std::string> notes;

 private:
  std::vector<std::shared_ptr<answering_peer>> peers_;
  std::vector<std::unique_ptr<outage_gate>> gates_;
};

TEST_F(item_delivery_test, every_destination_is_asked_whatever_the_one_before_answered) {
  answering_peer& refusing = add("dicom://REFUSING@h:1", refusal{refusal_kind::instance, "C000: cannot understand"});
  answering_peer& folder = add("file://out", std::nullopt);
  item_delivery delivery;
  const auto records = send(delivery, 1);
  EXPECT_EQ(refusing.asked, 1);
  EXPECT_EQ(folder.asked, 1);
  ASSERT_EQ(records[0].deliveries.size(), 2U);
  EXPECT_EQ(records[0].deliveries[0].state, delivery_state::failed);
  EXPECT_EQ(records[0].deliveries[0].detail, "C000: cannot understand");
  EXPECT_EQ(records[0].deliveries[1].destination, "file://out");
  EXPECT_TRUE(records[0].deliveries[1].stored());
  EXPECT_EQ(notes, std::vector<std::string>{"stored with a warning (B000)"});
  EXPECT_EQ(delivery.status(), item_status::failed);
}

TEST_F(item_delivery_test, a_destination_that_refused_one_instance_is_not_asked_for_the_items_others) {
  answering_peer& refusing = add("dicom://REFUSING@h:1", refusal{refusal_kind::instance, "A900: does not match"});
  answering_peer& folder = add("file://out", std::nullopt);
  item_delivery delivery;
  const auto records = send(delivery, 3);
  EXPECT_EQ(refusing.asked, 1);
  EXPECT_EQ(folder.asked, 3);
  EXPECT_EQ(records[2].deliveries[0].detail,
            "not sent: an earlier instance of this item was not stored: A900: does not match");
  EXPECT_TRUE(records[2].deliveries[1].stored());
}

TEST_F(item_delivery_test, a_refused_instance_fails_the_item_even_after_another_destination_was_given_up) {
  add("dicom://GONE@h:1", refusal{refusal_kind::permanent, "association rejected"});
  add("dicom://REFUSING@h:2", refusal{refusal_kind::instance, "C000: cannot understand"});
  item_delivery delivery;
  (void)send(delivery, 1);
  EXPECT_EQ(delivery.status(), item_status::failed);  // a rerun would be refused again
  ASSERT_TRUE(delivery.why_not_stored());
  EXPECT_EQ(delivery.why_not_stored()->message, "C000: cannot understand");
}

TEST_F(item_delivery_test, an_item_a_given_up_destination_still_needs_is_pending) {
  add("file://out", std::nullopt);
  add("dicom://GONE@h:1", refusal{refusal_kind::permanent, "association rejected"});
  item_delivery delivery;
  (void)send(delivery, 2);
  EXPECT_EQ(delivery.status(), item_status::pending);
}

TEST_F(item_delivery_test, an_item_every_destination_took_is_stored) {
  add("file://out", std::nullopt);
  add("dicom://PACS@h:1", std::nullopt);
  item_delivery delivery;
  const auto records = send(delivery, 2);
  EXPECT_EQ(delivery.status(), item_status::converted);
  EXPECT_FALSE(delivery.why_not_stored());
  for (const auto& record : records) {
    for (const auto& each : record.deliveries) EXPECT_TRUE(each.stored());
  }
}

}  // namespace
}  // namespace dcmflow::store
