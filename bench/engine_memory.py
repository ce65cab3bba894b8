#!/usr/bin/python3
"""Peak memory does not grow with the job: the same small pages converted as a 500-item job
and as a 5,000-item job (`dcmflow run`, 2 threads, default limits), peak RSS of each as
/usr/bin/time reports it, and their ratio (target: the big job within 20% of the small one).

Items in flight are capped by the engine's limiter and their decoded bytes by its admission
budget, so what grows with the job is only the list of inputs and the journal's rows.

usage: bench/engine_memory.py [--small 500] [--large 5000] [--scratch DIR]
"""

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = pathlib.Path(__file__).resolve().parents[1]
DCMFLOW = SOURCE / "build" / "release" / "jobs" / "dcmflow"

JOB = """inputs: [pages]
attributes: {PatientID: BENCH-MEM}
codec: jpegls
destinations: [file://out]
threads: 2
"""


def peak_rss_kib(folder: pathlib.Path) -> int:
    completed = subprocess.run(["/usr/bin/time", "-v", str(DCMFLOW), "run", str(folder / "job.yaml"),
                                "--progress", "none"], check=True, capture_output=True, text=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr).group(1))


def job_of(scratch: pathlib.Path, count: int) -> pathlib.Path:
    folder = scratch / f"job-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run([sys.executable, str(SOURCE / "datasets" / "make_pages.py"), str(folder / "pages"), "--count",
                    str(count), "--width", "320", "--height", "452", "--format", "png"], check=True)
    (folder / "job.yaml").write_text(JOB)
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--scratch", type=pathlib.Path)
    args = parser.parse_args()
    scratch = args.scratch or pathlib.Path(tempfile.mkdtemp(prefix="dcmflow-memory-bench-"))
    results = {}
    for count in (args.small, args.large):
        folder = job_of(scratch, count)
        results[count] = peak_rss_kib(folder)
        stored = json.loads((folder / "out" / "report.json").read_text())["summary"]["ok"]
        assert stored == count, f"{stored} of {count} items stored"
        shutil.rmtree(folder)
    ratio = results[args.large] / results[args.small]
    print(f"engine_memory: peak RSS {results[args.small] / 1024:.1f} MiB for {args.small} items, "
          f"{results[args.large] / 1024:.1f} MiB for {args.large} items: ratio {ratio:.2f} (target <= 1.20)")
    print(json.dumps({"items": {str(k): {"peak_rss_kib": v} for k, v in results.items()}, "ratio": ratio}))


if __name__ == "__main__":
    main()
