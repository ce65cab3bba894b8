#pragma once
// For dcmflow's helper programs (decode workers, LibreOffice workers): how a helper lives
// beside the dcmflow that started it. Header-only: the LibreOffice worker links nothing of
// dcmflow's.

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace dcmflow {

// False when `parent` is not (or no longer) the process that started this one. Otherwise
// this process ends within 0.1 s of its parent, however the parent ends (SIGKILL
// included), even in the middle of a file that hangs a library. Watched rather than
// PR_SET_PDEATHSIG: that fires when the parent's *thread* that started us ends, and dcmflow
// starts helpers from whichever of its threads needs one first.
// And a crash leaves no core file: it would hold a patient's data.
inline bool live_and_die_with(pid_t parent) {
  if (parent <= 1 || getppid() != parent) return false;
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0);
  std::thread([parent] {
    while (getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::_Exit(0);
  }).detach();
  return true;
}

}  // namespace dcmflow
