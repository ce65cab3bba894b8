#pragma once
// Private to store/: one slot of a DIMSE destination's association pool.

#include <chrono>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "store/c_store.hpp"
#include "store/dimse_destination.hpp"

namespace dcmflow::store {

struct dimse_destination::association {
  // A DcmSCU negotiates once: a new set of presentation contexts takes a new one.
  std::unique_ptr<store_scu> scu = std::make_unique<store_scu>();
  std::set<std::pair<std::string, std::string>> proposed;
  std::size_t sent = 0;
  // A peer may take fewer associations than we open (Orthanc: DicomThreadsCount, 4 by
  // default): a slot whose association was refused rests a while, and the others carry on.
  std::chrono::steady_clock::time_point resting_until{};
  // Whether it held an open association when last released; read by other threads under
  // the pool's mutex (the SCU itself belongs to whoever holds the slot).
  bool live = false;
};

}  // namespace dcmflow::store
