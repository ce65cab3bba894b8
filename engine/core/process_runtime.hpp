#pragma once
// What a program that runs the engine sets up once, first thing in `main`, for the whole
// process. Library code never changes process-wide state itself; code that depends on it
// checks it (a helper process is not started unless sigpipe_ignored()).

namespace dcmflow {

// - Large buffers stay in the heap: pages are tens of megabytes, above glibc's largest mmap
//   threshold (32 MiB), so every such buffer would be mapped, faulted in page by page,
//   zeroed and unmapped again, item after item (a third of the run's time on documents).
//   Kept in the heap, freed pages are reused; the engine's limits bound how much.
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
