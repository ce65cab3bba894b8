#!/usr/bin/env bash
# Benchmarks on this machine: `dcmflow bench` over the four generated image classes (table
# on the terminal, HTML report with charts in out/bench/), the A/B codec micro-benchmarks as
# ratios (dcmflow vs each library alone, dcmflow RLE vs GDCM's), and documents/s against
# LibreOffice's own command line, and the engine's scaling and memory (with many items, and
# with one document of many pages).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release
frames=datasets/generated/bench
/usr/bin/python3 datasets/make_bench_frames.py "$frames"
mkdir -p out/bench
build/release/jobs/dcmflow bench "$frames" --format html -o out/bench/codecs.html
echo
/usr/bin/python3 bench/codec_ratios.py --frames "$frames"
echo
bash bench/office_vs_soffice.sh 30
echo
/usr/bin/python3 bench/engine_scaling.py
echo
/usr/bin/python3 bench/engine_memory.py
echo
/usr/bin/python3 bench/long_document.py
