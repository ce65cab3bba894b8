#!/usr/bin/env bash
# The README's second command (and CI's): install, build, run every test with ctest,
# in Release, again under AddressSanitizer + UBSan, and the decoder fuzzers (clang).
# Tests run side by side, one per core: many wait on peers (Orthanc restarts, storescp's
# delays, LibreOffice starting) rather than compute, and CI has 90 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --tests
status=0
for preset in release asan fuzz; do
  echo "=== ${preset}: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== ${preset}: ctest"
  ctest --preset "$preset" --timeout 1200 --parallel "$(nproc)" || status=1
done
exit $status
