#pragma once
// One destination's circuit breaker. A store that fails for a transient reason (refused or
// reset connections, timeouts, A-ABORT, A7xx, 429/503/5xx: the destination's own short
// retries spent) pauses the destination as a whole: every sender waits, and one of them
// probes it (destination::probe: C-ECHO, a QIDO-RS request) with capped exponential backoff
// and jitter until it answers; then all of them send again. A PACS restart costs a pause,
// not failed items.
//
// Past the outage limit, or at a permanent refusal (association rejected permanently,
// 401/403, a certificate or host name that does not match), the destination is given up for
// the run: every store ends at once with that one reason, and the items that needed it stay
// pending for the next run.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/destination.hpp"

namespace dcmflow::store {

// How long a destination may stay unreachable before the run gives it up. One hour: a PACS
// restart takes seconds to minutes, and a planned maintenance window usually less than an
// hour; past it, a nightly job is better ended (items pending, exit 4) and run again.
inline constexpr std::chrono::seconds default_outage_limit{3600};

class outage_gate {
 public:
  outage_gate(std::shared_ptr<destination> target, std::chrono::milliseconds limit);

  // Thread-safe. Waits out an outage; a refusal of kind instance fails the item, the
  // other kinds mean the destination was given up (verdict()).
  [[nodiscard]] store_result store(const outgoing_instance& object);

  [[nodiscard]] destination& target() const { return *target_; }
  // Why the destination was given up for this run; nothing while it is in use.
  [[nodiscard]] std::optional<refusal> verdict() const;

 private:
  std::optional<refusal> wait_until_usable(bool& waited);  // `waited`: set when it did
  void pause(const std::string& why);
  void probe_until_back();
  void give_up(refusal why);
  [[nodiscard]] refusal unavailable(const std::string& last_reason) const;

  std::shared_ptr<destination> target_;
  std::chrono::milliseconds limit_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool down_ = false;
  bool probing_ = false;  // one sender probes; the others wait
  std::chrono::steady_clock::time_point down_since_;
  std::string last_reason_;
  std::optional<refusal> verdict_;
};

// One gate per destination, in the same order.
[[nodiscard]] std::vector<std::unique_ptr<outage_gate>> gates_for(
    const std::vector<std::shared_ptr<destination>>& destinations, std::chrono::milliseconds limit);

}  // namespace dcmflow::store
