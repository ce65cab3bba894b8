#include "store/outage_gate.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace dcmflow::store {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds first_probe_span{500};
constexpr std::chrono::milliseconds longest_probe_span{15000};

std::string whole_seconds(clock::duration span) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(span).count()) + " s";
}

}  // namespace

outage_gate::outage_gate(std::shared_ptr<destination> target, std::chrono::milliseconds limit)
    : target_(std::move(target)), limit_(limit) {}

std::optional<refusal> outage_gate::verdict() const {
  const std::lock_guard lock(mutex_);
  return verdict_;
}

store_result outage_gate::store(const outgoing_instance& object) {
  const clock::time_point began = clock::now();
  std::optional<clock::time_point> first_transient;
  bool waited = false;
  for (;;) {
    if (auto given_up = wait_until_usable(waited)) return *given_up;
    store_result sent = target_->store(object);
    if (sent) {
      if (waited) {
        sent->notes.push_back(target_->url() + ": stored after waiting " + whole_seconds(clock::now() - began) +
                              " for it to come back");
      }
      return sent;
    }
    const refusal& why = sent.error();
    if (why.kind == refusal_kind::instance) return sent;
    if (why.kind == refusal_kind::permanent) {
      give_up(refusal{refusal_kind::permanent, "stopped sending to " + target_->url() + ": " + why.message});
      return *verdict();
    }
    // Transient. The limit also holds per instance: a peer that answers C-ECHO but never
    // takes a store must not keep an instance going round for ever.
    const clock::time_point now = clock::now();
    if (!first_transient) first_transient = now;
    if (now - *first_transient >= limit_) {
      give_up(unavailable(why.message));
      return *verdict();
    }
    pause(why.message);
  }
}

std::optional<refusal> outage_gate::wait_until_usable(bool& waited) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (verdict_) return verdict_;
    if (!down_) return std::nullopt;
    waited = true;
    if (!probing_) {
      probing_ = true;
      lock.unlock();
      try {
        probe_until_back();
      } catch (const std::exception& error) {  // the waiting senders must not wait for ever
        give_up(refusal{refusal_kind::transient, "probing " + target_->url() + " failed: " + error.what()});
      }
      lock.lock();
      probing_ = false;
      changed_.notify_all();
      continue;
    }
    changed_.wait(lock);
  }
}

void outage_gate::pause(const std::string& why) {
  const std::lock_guard lock(mutex_);
  if (!down_) {
    down_ = true;
    down_since_ = clock::now();
  }
  last_reason_ = why;
}

void outage_gate::probe_until_back() {
  thread_local std::minstd_rand jitter(std::random_device{}());
  std::chrono::milliseconds span = first_probe_span;
  clock::time_point deadline;
  {
    const std::lock_guard lock(mutex_);
    deadline = down_since_ + limit_;
  }
  for (;;) {
    // Each pause drawn from half to all of its span: destinations and runs that went down
    // together do not all knock again at the same instant. The last one ends at the limit.
    auto pause = std::chrono::milliseconds(
        std::uniform_int_distribution<std::chrono::milliseconds::rep>(span.count() / 2, span.count())(jitter));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    pause = std::clamp(left, std::chrono::milliseconds(100), pause);
    std::this_thread::sleep_for(pause);
    span = std::min(span * 2, longest_probe_span);
    const std::optional<refusal> answer = target_->probe();
    const std::lock_guard lock(mutex_);
    if (!answer) {
      down_ = false;
      return;
    }
    if (answer->kind == refusal_kind::permanent) {
      verdict_ = refusal{refusal_kind::permanent, "stopped sending to " + target_->url() + ": " + answer->message};
      return;
    }
    last_reason_ = answer->message;
    if (clock::now() - down_since_ >= limit_) {
      verdict_ = unavailable(last_reason_);
      return;
    }
  }
}

void outage_gate::give_up(refusal why) {
  {
    const std::lock_guard lock(mutex_);
    if (!verdict_) verdict_ = std::move(why);
  }
  changed_.notify_all();
}

refusal outage_gate::unavailable(const std::string& last_reason) const {
  return refusal{refusal_kind::transient, target_->url() + " did not come back within the outage limit (" +
                                              whole_seconds(limit_) + ", --outage-limit): " + last_reason +
                                              ". What needs it stays pending: run the job again"};
}

std::vector<std::unique_ptr<outage_gate>> gates_for(const std::vector<std::shared_ptr<destination>>& destinations,
                                                    std::chrono::milliseconds limit) {
  std::vector<std::unique_ptr<outage_gate>> gates;
  gates.reserve(destinations.size());
  for (const auto& each : destinations) gates.push_back(std::make_unique<outage_gate>(each, limit));
  return gates;
}

}  // namespace dcmflow::store
