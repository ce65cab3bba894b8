#pragma once
// A fixed number of slots (helper processes, workers), lent one at a time: `lend()` blocks
// until one is free and returns it with a lease that gives it back however the borrower
// leaves. Thread-safe.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace dcmflow {

class slots {
 public:
  explicit slots(std::size_t count) : busy_(count, false) {}

  class lease {
   public:
    lease(slots& owner, std::size_t index) : owner_(&owner), index_(index) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { owner_->give_back(index_); }
    [[nodiscard]] std::size_t index() const { return index_; }

   private:
    slots* owner_;
    std::size_t index_;
  };

  [[nodiscard]] lease lend() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return std::find(busy_.begin(), busy_.end(), false) != busy_.end(); });
    const auto index = static_cast<std::size_t>(std::find(busy_.begin(), busy_.end(), false) - busy_.begin());
    busy_[index] = true;
    return {*this, index};
  }

  [[nodiscard]] std::size_t size() const { return busy_.size(); }

 private:
  void give_back(std::size_t index) {
    {
      const std::lock_guard lock(mutex_);
      busy_[index] = false;
    }
    freed_.notify_one();
  }

  std::vector<bool> busy_;
  std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace dcmflow
