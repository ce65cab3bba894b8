#!/usr/bin/env bash
# dcmflow against DCMTK, GDCM, LibreOffice and storescu/dcmsend on the same generated corpus,
# in one run (bench/vs_peers.py): prints every row with medians, ratios, CPU time and peak
# RSS, and writes bench/results/latest.json and latest.svg. About 15 minutes on 2 cores.
#
# usage: scripts/bench-vs-peers.sh [SCRATCH_DIR] [vs_peers.py options, e.g. --runs 5]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release --target dcmflow
scratch=${1:-$(mktemp -d -t dcmflow-vs-peers-XXXXXX)}
shift || true
exec /usr/bin/python3 bench/vs_peers.py --scratch "$scratch" "$@"
