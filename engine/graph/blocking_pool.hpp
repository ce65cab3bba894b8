#pragma once
// Threads for blocking work (sending over the network, waiting for a PACS), kept off TBB's
// workers: a TBB thread that waits for a C-STORE response is a core doing nothing, and with
// two cores it would also cap the associations in use at two. The graph's store node is an
// async_node that hands items here and takes them back through its gateway.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dcmflow::graph {

class blocking_pool {
 public:
  explicit blocking_pool(std::size_t threads);
  ~blocking_pool();  // runs what is queued, then joins
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  void submit(std::function<void()> task);

 private:
  void work();
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace dcmflow::graph
