#pragma once
// The byte budget at the entrance of the decoding stages. An item waits here until the
// decoded bytes already in flight leave room for its estimate; one item larger than the
// whole budget still runs, alone. Serial (one graph node), so it needs no lock, and it never
// blocks a thread: a waiting item sits in a queue until a finished item gives bytes back.

#include <cstdint>
#include <deque>
#include <vector>

#include "graph/work_item.hpp"

namespace dcmflow::graph {

class admission {
 public:
  explicit admission(std::uint64_t budget) : budget_(budget) {}

  // Items admitted now (this one, or none while it waits).
  [[nodiscard]] std::vector<item_handle> arrive(item_handle item);
  // Bytes back from a finished item; the waiting items that now fit, in arrival order.
  [[nodiscard]] std::vector<item_handle> release(std::uint64_t bytes);

  [[nodiscard]] std::uint64_t in_flight() const { return in_flight_; }
  [[nodiscard]] std::size_t waiting() const { return waiting_.size(); }

 private:
  bool fits(const work_item& item) const;
  void admit(work_item& item);

  std::uint64_t budget_;
  std::uint64_t in_flight_ = 0;
  std::deque<item_handle> waiting_;
};

}  // namespace dcmflow::graph
