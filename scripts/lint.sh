#!/usr/bin/env bash
# The house rules a compiler does not check, as the tests run them (ctest: lint.*):
#   lint.sh format           every C++ file is as .clang-format writes it
#   lint.sh format --fix     rewrites them so
#   lint.sh tidy BUILD_DIR   clang-tidy (.clang-tidy) finds nothing in dcmflow's own sources,
#                            compiled as BUILD_DIR's compile_commands.json says
set -euo pipefail
cd "$(dirname "$0")/.."

# dcmflow's C++ sources. tests/build_rules/ holds a source that must fail to build (the
# include-roots test): it is formatted, never compiled for clang-tidy.
cxx_sources() {
  find codecs engine jobs tests bench datasets -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | sort
}

case "${1:-}" in
  format)
    if [[ "${2:-}" == --fix ]]; then
      cxx_sources | xargs clang-format -i
    else
      # --Werror: a file that differs fails, naming the file and line.
      cxx_sources | xargs clang-format --dry-run --Werror
      echo "format: $(cxx_sources | wc -l) files as .clang-format writes them"
    fi
    ;;
  tidy)
    build="${2:?usage: lint.sh tidy BUILD_DIR}"
    [[ -f "$build/compile_commands.json" ]] || { echo "lint.sh: no $build/compile_commands.json" >&2; exit 2; }
    # The release preset builds with GCC; clang does not know some of its warning options.
    # run-clang-tidy is Python; Debian's interpreter, whatever python3 is first on PATH.
    /usr/bin/python3 "$(command -v run-clang-tidy)" -quiet -j "$(nproc)" -p "$build" \
      -extra-arg=-Wno-unknown-warning-option \
      "$PWD/(codecs|engine|jobs|tests/(unit|fuzz)|bench)/.*\.cpp\$" > "$build/clang-tidy.log" 2>&1 || {
      grep -E "(warning|error): " "$build/clang-tidy.log" | sort -u
      echo "tidy: findings above (whole output: $build/clang-tidy.log)" >&2
      exit 1
    }
    echo "tidy: nothing found"
    ;;
  *)
    echo "usage: lint.sh format [--fix] | lint.sh tidy BUILD_DIR" >&2
    exit 2
    ;;
esac
