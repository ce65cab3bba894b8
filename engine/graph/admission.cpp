#include "graph/admission.hpp"

#include <algorithm>

namespace dcmflow::graph {

bool admission::fits(const work_item& item) const {
  const std::uint64_t bytes = item.active() ? item.estimated_bytes : 0;
  return bytes == 0 || in_flight_ == 0 || in_flight_ + bytes <= budget_;
}

void admission::admit(work_item& item) {
  item.admitted_bytes = item.active() ? item.estimated_bytes : 0;
  in_flight_ += item.admitted_bytes;
}

std::vector<item_handle> admission::arrive(item_handle item) {
  // First come, first served: nothing overtakes a waiting item, so a big one is not starved.
  if (!waiting_.empty() || !fits(*item)) {
    waiting_.push_back(std::move(item));
    return {};
  }
  admit(*item);
  return {std::move(item)};
}

std::vector<item_handle> admission::release(std::uint64_t bytes) {
  in_flight_ -= std::min(bytes, in_flight_);
  std::vector<item_handle> admitted;
  while (!waiting_.empty() && fits(*waiting_.front())) {
    admit(*waiting_.front());
    admitted.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  return admitted;
}

}  // namespace dcmflow::graph
