#pragma once
// What a program that runs the engine sets up once, first thing in `main`, for the whole
// process. Library code never changes process-wide state itself; code that depends on it
// checks it (a helper process is not started unless sigpipe_ignored()).

#include <cstddef>

namespace dcmflow {

// How much freed heap a process keeps for its next item. Buffers up to `mapped_above` come
// from the heap, whose freed top is given back to the kernel only past `trimmed_above`.
// Otherwise glibc maps, faults in, zeroes and unmaps a buffer of an item's size item after
// item, or shrinks and regrows the heap each time: in the decode helper that was a third of
// a CT transcode's CPU (brk, munmap and page faults for every 512 KiB slice).
struct heap_retention {
  std::size_t mapped_above;
  std::size_t trimmed_above;
};
// dcmflow: pages are tens of megabytes; the engine's limits bound how much is in flight.
inline constexpr heap_retention engine_heap{std::size_t{512} << 20, std::size_t{1} << 30};
// A helper that decodes one file at a time: an idle helper holds at most this much.
inline constexpr heap_retention helper_heap{std::size_t{64} << 20, std::size_t{64} << 20};
void keep_freed_heap(heap_retention retention);

// - Large buffers stay in the heap (keep_freed_heap(engine_heap)): pages are tens of
//   megabytes, above glibc's largest mmap threshold (32 MiB), so every such buffer would be
//   mapped, faulted in page by page, zeroed and unmapped again, item after item (a third of
//   the run's time on documents).
// - Names are UTF-8 whatever the caller's locale: libarchive hands out entry names in the
//   locale's character set, and under LANG=C (cron, containers, a bare machine) a Chinese
//   name has none, so "报告/胸部CT.png" came out empty. LC_CTYPE only.
// - What dcmflow writes is its owner's alone (files 0600, folders 0700), whatever the
//   caller's umask allowed: DICOM files, journals, reports and scratch copies hold patient
//   data or describe it.
// - SIGPIPE is ignored: a helper (decoder, LibreOffice worker) that died must not take the
//   run with it on our next write; the write fails with EPIPE and the item with it.
// - Nagle is off for DCMTK's sockets (TCP_NODELAY=1, which dcmnet reads when it opens one):
//   every C-STORE otherwise waits ~40 ms for a delayed ACK. A user's own setting wins.
void set_up_process_runtime();

[[nodiscard]] bool sigpipe_ignored();

}  // namespace dcmflow
