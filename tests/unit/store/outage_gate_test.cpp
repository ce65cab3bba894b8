#include "store/outage_gate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dcmflow::store {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// A peer that is down until `back_at`, or refuses as told; counts what it was asked.
class scripted_peer final : public destination {
 public:
  [[nodiscard]] const std::string& url() const override { return url_; }
  store_result store(const outgoing_instance&) override {
    ++stores;
    if (clock::now() < back_at.load()) {
      ++stores_while_down;
      return refusal{refusal_kind::transient, "connection refused"};
    }
    if (answer_stores) return *answer_stores;
    return delivery{};
  }
  std::optional<refusal> probe() override {
    const int now_probing = ++probing;
    max_probing = std::max(max_probing.load(), now_probing);
    ++probes;
    std::this_thread::sleep_for(5ms);
    --probing;
    if (answer_probes) return answer_probes;
    if (clock::now() < back_at.load()) return refusal{refusal_kind::transient, "connection refused"};
    return std::nullopt;
  }

  std::atomic<clock::time_point> back_at{clock::time_point{}};
  std::optional<refusal> answer_stores;  // set before the test's threads start
  std::optional<refusal> answer_probes;
  std::atomic<int> stores{0};
  std::atomic<int> stores_while_down{0};
  std::atomic<int> probes{0};
  std::atomic<int> probing{0};
  std::atomic<int> max_probing{0};

 private:
  std::string url_ = "dicom://PACS@127.0.0.1:104";
};

std::vector<store_result> store_from_threads(outage_gate& gate, int threads) {
  std::vector<std::optional<store_result>> results(static_cast<std::size_t>(threads));
  {
    std::vector<std::jthread> senders;
    senders.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
      senders.emplace_back([&, i] { results[static_cast<std::size_t>(i)] = gate.store(outgoing_instance{}); });
    }
  }
  std::vector<store_result> out;
  out.reserve(results.size());
  for (auto& each : results) out.push_back(std::move(*each));
  return out;
}

TEST(outage_gate, a_short_outage_pauses_every_sender_and_one_probes_until_it_is_back) {
  auto peer = std::make_shared<scripted_peer>();
  peer->back_at = clock::now() + 1500ms;
  outage_gate gate(peer, 30s);
  const auto results = store_from_threads(gate, 6);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_FALSE(result->notes.empty());
    EXPECT_NE(result->notes.front().find("after waiting"), std::string::npos) << result->notes.front();
  }
  EXPECT_EQ(peer->max_probing, 1);  // one sender probes, the others wait
  // Each sender met the outage once at most: waiting, not knocking.
  EXPECT_LE(peer->stores_while_down, 6);
  EXPECT_GE(peer->probes, 1);
  EXPECT_FALSE(gate.verdict());
}

TEST(outage_gate, past_the_limit_the_destination_is_given_up_and_what_needs_it_ends_at_once) {
  auto peer = std::make_shared<scripted_peer>();
  peer->back_at = clock::now() + 1h;
  outage_gate gate(peer, 1s);
  const auto started = clock::now();
  for (const auto& result : store_from_threads(gate, 4)) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, refusal_kind::transient);
    EXPECT_NE(result.error().message.find("did not come back within the outage limit (1 s"), std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("connection refused"), std::string::npos) << result.error().message;
  }
  EXPECT_LT(clock::now() - started, 5s);
  ASSERT_TRUE(gate.verdict());
  const int asked = peer->stores;
  const auto again_at = clock::now();
  EXPECT_FALSE(gate.store(outgoing_instance{}));
  EXPECT_LT(clock::now() - again_at, 100ms);
  EXPECT_EQ(peer->stores, asked);  // not asked again
}

TEST(outage_gate, a_permanent_refusal_stops_the_destination_with_the_peers_words) {
  auto peer = std::make_shared<scripted_peer>();
  peer->answer_stores =
      refusal{refusal_kind::permanent, "rejected the association (Reason: Calling AE Title Not Recognized)"};
  outage_gate gate(peer, 1h);
  const auto first = gate.store(outgoing_instance{});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, refusal_kind::permanent);
  EXPECT_NE(first.error().message.find("stopped sending to dicom://PACS@127.0.0.1:104: rejected the association"),
            std::string::npos)
      << first.error().message;
  EXPECT_FALSE(gate.store(outgoing_instance{}));
  EXPECT_EQ(peer->stores, 1);
  EXPECT_EQ(peer->probes, 0);
}

TEST(outage_gate, an_instance_refused_for_what_it_is_fails_alone) {
  auto peer = std::make_shared<scripted_peer>();
  peer->answer_stores = refusal{refusal_kind::instance, "status A900"};
  outage_gate gate(peer, 1h);
  const auto first = gate.store(outgoing_instance{});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, refusal_kind::instance);
  EXPECT_EQ(first.error().message, "status A900");
  EXPECT_FALSE(gate.verdict());
  EXPECT_EQ(peer->probes, 0);
}

TEST(outage_gate, a_peer_that_answers_probes_but_never_takes_a_store_is_given_up_at_the_limit) {
  auto peer = std::make_shared<scripted_peer>();
  peer->answer_stores = refusal{refusal_kind::transient, "status A700 (out of resources)"};
  outage_gate gate(peer, 1s);
  const auto started = clock::now();
  const auto result = gate.store(outgoing_instance{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, refusal_kind::transient);
  EXPECT_NE(result.error().message.find("A700"), std::string::npos) << result.error().message;
  EXPECT_LT(clock::now() - started, 4s);
}

TEST(outage_gate, a_probe_that_meets_a_permanent_refusal_stops_the_destination) {
  auto peer = std::make_shared<scripted_peer>();
  peer->back_at = clock::now() + 1h;
  peer->answer_probes = refusal{refusal_kind::permanent, "certificate verify failed"};
  outage_gate gate(peer, 1h);
  const auto result = gate.store(outgoing_instance{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, refusal_kind::permanent);
  EXPECT_NE(result.error().message.find("certificate verify failed"), std::string::npos);
}

}  // namespace
}  // namespace dcmflow::store
