#!/usr/bin/env bash
# The README's first command: install, build (Release), make the sample images and run the
# demo job (jobs/examples/demo.yaml) on them into a local folder. No PACS needed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release

/usr/bin/python3 datasets/make_images.py datasets/generated/images
rm -rf out/demo out/demo-journal.sqlite*   # a fresh run each time (a kept journal would skip everything)
build/release/jobs/dcmflow run jobs/examples/demo.yaml
echo "Demo output: $(cd out/demo && pwd) (report.html inside)"
