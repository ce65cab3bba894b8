#!/usr/bin/python3
"""Memory does not grow with a document's pages: a 50-page and a 5,000-page text PDF
(datasets/make_long_pdf.py) converted by `dcmflow convert` at the default 200 dpi into
JPEG-LS, peak RSS of each as /usr/bin/time reports it (the largest of dcmflow and its decode
helpers), pages/s, and their ratio (target: the long one within 2x of the short one).

A document of more pages than `--frames-per-instance` (64) is made, compressed and written
a part at a time, 64 frames an instance in one series; each part opens the PDF once. Every
page must arrive: the frames written are counted against the page count.

usage: bench/long_document.py [--short 50] [--long 5000] [--dpi 200] [--scratch DIR]
"""

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE = pathlib.Path(__file__).resolve().parents[1]
DCMFLOW = SOURCE / "build" / "release" / "jobs" / "dcmflow"


def frames_written(folder: pathlib.Path) -> int:
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    import pydicom  # Debian's python3-pydicom
    return sum(int(getattr(pydicom.dcmread(path, stop_before_pixels=True), "NumberOfFrames", 1) or 1)
               for path in folder.rglob("*.dcm"))


def convert(scratch: pathlib.Path, pages: int, dpi: float) -> dict:
    pdf = scratch / f"report-{pages}.pdf"
    out = scratch / f"out-{pages}"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, str(SOURCE / "datasets" / "make_long_pdf.py"), str(pdf), "--pages", str(pages)],
                   check=True)
    started = time.monotonic()
    completed = subprocess.run(["/usr/bin/time", "-v", str(DCMFLOW), "convert", str(pdf), "-o", str(out),
                                "--set", "PatientID=BENCH-LONG", "--codec", "jpegls", "--dpi", str(dpi)],
                               check=True, capture_output=True, text=True)
    seconds = time.monotonic() - started
    frames = frames_written(out)
    assert frames == pages, f"{frames} frames written for {pages} pages"
    shutil.rmtree(out)
    kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr).group(1))
    return {"peak_rss_kib": kib, "seconds": round(seconds, 1), "pages_per_s": round(pages / seconds, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", type=int, default=50)
    parser.add_argument("--long", type=int, default=5000)
    parser.add_argument("--dpi", type=float, default=200)
    parser.add_argument("--scratch", type=pathlib.Path)
    args = parser.parse_args()
    scratch = args.scratch or pathlib.Path(tempfile.mkdtemp(prefix="dcmflow-long-document-"))
    results = {pages: convert(scratch, pages, args.dpi) for pages in (args.short, args.long)}
    short, long = results[args.short], results[args.long]
    ratio = long["peak_rss_kib"] / short["peak_rss_kib"]
    print(f"long_document: peak RSS {short['peak_rss_kib'] / 1024:.1f} MiB for {args.short} pages "
          f"({short['pages_per_s']} pages/s), {long['peak_rss_kib'] / 1024:.1f} MiB for {args.long} pages "
          f"({long['pages_per_s']} pages/s): ratio {ratio:.2f} (target < 2)")
    print(json.dumps({"dpi": args.dpi, "pages": {str(k): v for k, v in results.items()}, "ratio": ratio}))
    if not args.scratch:
        shutil.rmtree(scratch)
    sys.exit(0 if ratio < 2 else 1)


if __name__ == "__main__":
    main()
