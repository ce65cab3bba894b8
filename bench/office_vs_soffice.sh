#!/usr/bin/env bash
# Documents/s on the same .docx reports (datasets/make_documents.py): dcmflow (.docx -> DICOM
# pages, warm LibreOffice workers) against one `soffice --convert-to pdf` process per
# document, and against LibreOffice's best case, one batch `soffice --convert-to pdf` call
# per core over all documents -- each soffice run followed by the same page rendering
# (pdftoppm, raw PGM/PPM, no PNG round trip). Medians of 3 runs; prints ratios.
#
# usage: bench/office_vs_soffice.sh [COUNT] [SCRATCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-30}
scratch=${2:-$(mktemp -d)}
dcmflow=build/release/jobs/dcmflow
cores=$(nproc)
docs="$scratch/docs"
/usr/bin/python3 datasets/make_documents.py "$docs" --count "$count"
mapfile -t files < <(ls "$docs"/*.docx)

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
render() { for pdf in "$1"/*.pdf; do pdftoppm -r 200 "$pdf" "${pdf%.pdf}"; done; }

dcmflow_run() { rm -rf "$scratch/out"; "$dcmflow" convert "$docs" -o "$scratch/out" --allow-missing-patient-id; }
per_document() {
  rm -rf "$scratch/pdf1"; mkdir -p "$scratch/pdf1"
  for f in "${files[@]}"; do
    soffice --headless "-env:UserInstallation=file://$scratch/p1" --convert-to pdf --outdir "$scratch/pdf1" "$f"
  done
  render "$scratch/pdf1"
}
batch_per_core() {
  rm -rf "$scratch/pdf2"; mkdir -p "$scratch/pdf2"
  for ((core = 0; core < cores; core++)); do
    share=()
    for ((i = core; i < ${#files[@]}; i += cores)); do share+=("${files[$i]}"); done
    soffice --headless "-env:UserInstallation=file://$scratch/p2-$core" --convert-to pdf --outdir "$scratch/pdf2" "${share[@]}" &
  done
  wait
  render "$scratch/pdf2"
}

declare -A results
for name in dcmflow_run per_document batch_per_core; do
  runs=()
  for _ in 1 2 3; do runs+=("$(seconds "$name")"); done
  results[$name]=$(median "${runs[@]}")
done
docs_per_second() { echo "scale=2; $count / $1" | bc; }
echo "$count .docx reports, $cores cores, medians of 3 runs"
printf '%-34s %8s %10s\n' "pipeline" "seconds" "docs/s"
printf '%-34s %8.2f %10s\n' "dcmflow (warm LibreOffice workers)" "${results[dcmflow_run]}" "$(docs_per_second "${results[dcmflow_run]}")"
printf '%-34s %8.2f %10s\n' "soffice per document + pdftoppm" "${results[per_document]}" "$(docs_per_second "${results[per_document]}")"
printf '%-34s %8.2f %10s\n' "soffice batch per core + pdftoppm" "${results[batch_per_core]}" "$(docs_per_second "${results[batch_per_core]}")"
echo "ratio vs soffice per document: $(echo "scale=2; ${results[per_document]} / ${results[dcmflow_run]}" | bc)x (target >= 10)"
echo "ratio vs soffice batch per core: $(echo "scale=2; ${results[batch_per_core]} / ${results[dcmflow_run]}" | bc)x (target >= 1.0)"
