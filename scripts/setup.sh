#!/usr/bin/env bash
# Installs what dcmflow needs from Debian 12's packages. Idempotent: asks apt only for
# what is missing. `--tests` adds what the test suite needs (independent decoders,
# validators, test frameworks); `--bench` what the end-to-end benchmarks need.
set -euo pipefail

# Building: the presets also build the unit tests and micro-benchmarks, so their
# frameworks are build dependencies.
runtime_and_build=(
  cmake ninja-build g++ pkg-config
  libtbb-dev libgdcm-dev libvips-dev libcli11-dev nlohmann-json3-dev libssl-dev libcsv-dev libarchive-dev libsqlite3-dev libyaml-cpp-dev libdcmtk-dev libcurl4-openssl-dev
  libcharls-dev libopenjp2-7-dev libopenjph-dev libturbojpeg0-dev zlib1g-dev
  libreoffice-writer-nogui libreofficekit-dev   # Office documents (warm LibreOfficeKit workers)
  libjemalloc-dev                      # the LibreOffice workers' allocator (18% less CPU than glibc's)
  fonts-wqy-microhei                   # CJK glyphs for Chinese reports, not boxes
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-pil            # datasets/ generators
)
# Running the tests: independent decoders and validators.
tests=(
  dicom3tools dcmtk libgdcm-tools libopenjp2-tools poppler-utils python3-pydicom python3-pytest
  clang libclang-rt-14-dev             # libFuzzer for the decoder fuzzers (fuzz preset)
  libarchive-tools                     # bsdtar: the tests make encrypted and 7z archives
  orthanc orthanc-dicomweb             # a real PACS for the store tests (started per test)
)

# Running the end-to-end benchmarks: document generator, page renderer, arithmetic, and the
# tools dcmflow is compared with (DCMTK, GDCM's command line, Orthanc).
bench=(python3-docx python3-pydicom poppler-utils bc dcmtk libgdcm-tools orthanc orthanc-dicomweb)

wanted=("${runtime_and_build[@]}")
case "${1:-}" in
  --tests) wanted+=("${tests[@]}") ;;
  --bench) wanted+=("${bench[@]}") ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
((${#missing[@]} == 0)) && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
