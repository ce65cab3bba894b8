#!/usr/bin/env bash
# The README's first command: install, build (Release), make the sample images and convert
# them into DICOM in a local folder. No PACS needed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release

samples=datasets/generated/images
out=out/demo
/usr/bin/python3 datasets/make_images.py "$samples"
rm -rf "$out"
build/release/jobs/dcmflow convert "$samples" -o "$out" \
  --set PatientID=DEMO-0001 --set PatientName=Demo^Patient --set StudyDescription="dcmflow demo"
echo "Demo output: $(cd "$out" && pwd)"
