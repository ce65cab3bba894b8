#!/usr/bin/env bash
# Installs what dcmflow needs from Debian 12's packages. Idempotent: asks apt only for
# what is missing. `--tests` adds what the test suite needs (independent decoders,
# validators, test frameworks); `--bench` what the end-to-end benchmarks need.
# `--check [--tests|--bench]` installs nothing: it checks that every command, Python module
# and file the build, demo, tests or benchmarks call is present, and names what is not
# (the first test runs it, so an omission from these lists fails fast on any machine).
set -euo pipefail

# Building: the presets also build the unit tests and micro-benchmarks, so their
# frameworks are build dependencies. The demo's generators are here too (scripts/demo.sh
# installs only this list).
runtime_and_build=(
  cmake ninja-build g++ pkg-config
  libtbb-dev libgdcm-dev libvips-dev libpoppler-glib-dev libcli11-dev nlohmann-json3-dev libssl-dev libcsv-dev libarchive-dev libsqlite3-dev libyaml-cpp-dev libdcmtk-dev libcurl4-openssl-dev
  libcharls-dev libopenjp2-7-dev libopenjph-dev libturbojpeg0-dev zlib1g-dev
  libreoffice-writer-nogui libreofficekit-dev   # Office documents (warm LibreOfficeKit workers)
  libjemalloc-dev                      # the LibreOffice workers' allocator (18% less CPU than glibc's)
  fonts-wqy-microhei                   # CJK glyphs for Chinese reports, not boxes
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-pil python3-docx   # datasets/ generators (the demo's Word report too)
  python3-pydicom                      # the demo prints what its report's object holds
)
# Running the tests: independent decoders and validators.
tests=(
  dicom3tools dcmtk libgdcm-tools libopenjp2-tools poppler-utils python3-pydicom python3-pytest
  clang libclang-rt-14-dev             # libFuzzer for the decoder fuzzers (fuzz preset)
  libarchive-tools                     # bsdtar: the tests make encrypted and 7z archives
  orthanc orthanc-dicomweb             # a real PACS for the store tests (started per test)
  openssl                              # the TLS tests make their CA and certificates
  binutils                             # readelf: the front program's libraries are checked
  clang-format clang-tidy              # the house rules (scripts/lint.sh, ctest lint.*)
)

# Running the end-to-end benchmarks: document generator, page renderer, arithmetic, and the
# tools dcmflow is compared with (DCMTK, GDCM's command line, Orthanc).
bench=(python3-pydicom poppler-utils bc time dcmtk libgdcm-tools orthanc orthanc-dicomweb)

# What each list must leave on the machine: commands, Python modules (for /usr/bin/python3)
# and files the scripts, tests and benchmarks call by name.
runtime_and_build_commands=(cmake ninja g++ pkg-config soffice)
runtime_and_build_modules=(numpy PIL docx pydicom)
runtime_and_build_files=(/usr/lib/libreoffice/program/soffice /usr/share/fonts/truetype/wqy/wqy-microhei.ttc)
tests_commands=(dciodvfy dcmdump dcmconv dcmdrle dcmdjpls dcmdjpeg storescp storescu gdcmconv opj_decompress
                pdfinfo pdffonts pdftoppm bsdtar openssl readelf clang clang++ Orthanc
                img2dcm dcmcjpls dcmcrle dcmsend gdcmimg    # bench-vs-peers' own test
                clang-format clang-tidy run-clang-tidy)
tests_modules=(pydicom pytest numpy PIL docx)
tests_files=(/usr/share/orthanc/plugins/libOrthancDicomWeb.so)
bench_commands=(img2dcm dcmcjpls dcmcrle dcmsend storescu gdcmimg gdcmconv pdftoppm bc /usr/bin/time Orthanc soffice)
bench_modules=(pydicom docx numpy PIL)
bench_files=(/usr/share/orthanc/plugins/libOrthancDicomWeb.so)

check=false
if [[ "${1:-}" == --check ]]; then
  check=true
  shift
fi
profiles=(runtime_and_build)
case "${1:-}" in
  --tests) profiles+=(tests) ;;
  --bench) profiles+=(bench) ;;
  "") ;;
  *) echo "usage: setup.sh [--check] [--tests|--bench]" >&2; exit 2 ;;
esac

if $check; then
  absent=()
  for profile in "${profiles[@]}"; do
    declare -n commands="${profile}_commands" modules="${profile}_modules" files="${profile}_files"
    for command in "${commands[@]}"; do
      # Orthanc installs into /usr/sbin, which is not on every user's PATH.
      command -v "$command" >/dev/null || [[ -x "/usr/sbin/$command" ]] || absent+=("command $command")
    done
    for module in "${modules[@]}"; do
      /usr/bin/python3 -c "import $module" 2>/dev/null || absent+=("python module $module")
    done
    for file in "${files[@]}"; do
      [[ -e "$file" ]] || absent+=("file $file")
    done
    unset -n commands modules files
  done
  if ((${#absent[@]} > 0)); then
    printf 'setup: missing %s\n' "${absent[@]}" >&2
    echo "setup: run 'bash scripts/setup.sh ${1:-}' as root; if it did run, the missing item's package is not in its lists" >&2
    exit 1
  fi
  echo "setup: everything for ${profiles[*]} is present"
  exit 0
fi

wanted=()
for profile in "${profiles[@]}"; do
  declare -n packages="$profile"
  wanted+=("${packages[@]}")
  unset -n packages
done

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
