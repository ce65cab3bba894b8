#include "core/process_runtime.hpp"

#include <langinfo.h>
#include <malloc.h>
#include <sys/stat.h>

#include <clocale>
#include <csignal>
#include <cstdlib>
#include <string_view>

namespace dcmflow {

void keep_freed_heap(heap_retention retention) {
  // Setting either threshold also stops glibc from moving them itself.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(retention.mapped_above));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(retention.trimmed_above));
}

void set_up_process_runtime() {
  keep_freed_heap(engine_heap);

  std::setlocale(LC_CTYPE, "");
  if (std::string_view(nl_langinfo(CODESET)) != "UTF-8") std::setlocale(LC_CTYPE, "C.UTF-8");

  const mode_t inherited = umask(077);
  umask(inherited | 077);

  std::signal(SIGPIPE, SIG_IGN);
  setenv("TCP_NODELAY", "1", 0);
}

bool sigpipe_ignored() {
  struct sigaction current {};
  return sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

}  // namespace dcmflow
