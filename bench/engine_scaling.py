#!/usr/bin/python3
"""The engine against itself and against the bare codec, on the same pages:

  * a 500-page JPEG-LS job (`dcmflow run`) with 1 and 2 worker threads: pages/s, and the
    ratio 2 threads / 1 thread (target >= 1.8 on two cores);
  * the same frames through the bare codec (`dcmflow bench`: CharLS through dcmflow's
    adapter, no files, no DICOM) at the same thread counts: the engine's throughput as a
    fraction of it (target >= 0.85).

Medians of --runs runs; every run starts from an empty output folder and journal. Pages
come from datasets/make_pages.py (uncompressed PGM: reading costs next to nothing).

usage: bench/engine_scaling.py [--pages 500] [--runs 3] [--scratch DIR]
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = pathlib.Path(__file__).resolve().parents[1]
DCMFLOW = SOURCE / "build" / "release" / "jobs" / "dcmflow"

JOB = """inputs: [pages]
attributes: {PatientID: BENCH-1}
codec: jpegls
destinations: [file://out]
thumbnails: 0
"""


def run_job(scratch: pathlib.Path, threads: int) -> float:
    for leftover in ("out", "job.journal.sqlite", "job.journal.sqlite-wal", "job.journal.sqlite-shm"):
        path = scratch / leftover
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run([str(DCMFLOW), "run", str(scratch / "job.yaml"), "--threads", str(threads), "--progress", "none"],
                   check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def bare_codec(pages: pathlib.Path, threads: int, scratch: pathlib.Path) -> dict:
    report = scratch / "bare-codec.json"
    subprocess.run([str(DCMFLOW), "bench", str(pages), "--codecs", "jpegls", "--threads", str(threads),
                    "--format", "json", "-o", str(report), "--min-seconds", "0"],
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads(report.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scratch", type=pathlib.Path)
    args = parser.parse_args()
    scratch = args.scratch or pathlib.Path(tempfile.mkdtemp(prefix="dcmflow-engine-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    pages = scratch / "pages"
    if len(list(pages.glob("*.pgm"))) != args.pages:
        shutil.rmtree(pages, ignore_errors=True)
        subprocess.run([sys.executable, str(SOURCE / "datasets" / "make_pages.py"), str(pages), "--count",
                        str(args.pages)], check=True)
    (scratch / "job.yaml").write_text(JOB)
    page_bytes = next(pages.glob("*.pgm")).stat().st_size  # header is a few bytes of it

    engine = {}
    for threads in (1, 2):
        times = [run_job(scratch, threads) for _ in range(args.runs)]
        engine[threads] = args.pages / statistics.median(times)
    report = bare_codec(pages, 2, scratch)
    codec = next(entry for entry in report["codecs"] if entry["codec"] == "jpegls")
    bare = {1: codec["encode_mb_per_s"]["one_thread"], 2: codec["encode_mb_per_s"]["all_threads"]}

    print(f"engine_scaling: {args.pages} pages of {page_bytes / 1e6:.2f} MB (8-bit grey), jpegls, "
          f"{os.cpu_count()} cores, medians of {args.runs} runs")
    print(f"{'threads':>7} {'pages/s':>9} {'MB/s':>8} {'bare codec MB/s':>16} {'engine / bare':>14}")
    results = {"pages": args.pages, "page_bytes": page_bytes, "runs": args.runs, "threads": {}}
    for threads in (1, 2):
        mb_per_s = engine[threads] * page_bytes / 1e6
        fraction = mb_per_s / bare[threads]
        results["threads"][threads] = {"pages_per_s": engine[threads], "mb_per_s": mb_per_s,
                                       "bare_codec_mb_per_s": bare[threads], "engine_over_bare": fraction}
        print(f"{threads:>7} {engine[threads]:>9.1f} {mb_per_s:>8.1f} {bare[threads]:>16.1f} {fraction:>14.2f}")
    scaling = engine[2] / engine[1]
    results["two_over_one_thread"] = scaling
    print(f"2 threads / 1 thread: {scaling:.2f} (target >= 1.8)")
    print(f"engine / bare codec: {min(r['engine_over_bare'] for r in results['threads'].values()):.2f} "
          f"at worst (target >= 0.85)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
