#!/usr/bin/python3
"""Runs bench/micro's codec_bench and prints, per image class and codec, the median
encode speed of dcmflow and of the library called directly, and their ratio.

Targets (from the codecs issue): dcmflow's encode path within 10% of the library alone
(ratio >= 0.90), and dcmflow's RLE at least as fast as GDCM's (ratio >= 1.00).

usage: bench/codec_ratios.py [--build build/release] [--frames DIR] [--repetitions 5]
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=pathlib.Path, default=ROOT / "build" / "release")
    parser.add_argument("--frames", type=pathlib.Path, default=ROOT / "datasets" / "generated" / "bench")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    arguments = parser.parse_args()

    if not any(arguments.frames.glob("*.png")):
        subprocess.run(["/usr/bin/python3", ROOT / "datasets" / "make_bench_frames.py", arguments.frames], check=True)
    completed = subprocess.run(
        [arguments.build / "bench" / "codec_bench", f"--benchmark_repetitions={arguments.repetitions}",
         f"--benchmark_min_time={arguments.min_time}", "--benchmark_format=json"],
        env={**os.environ, "DCMFLOW_BENCH_FRAMES": str(arguments.frames)},
        capture_output=True, text=True, check=True)
    report = json.loads(completed.stdout)

    # name: encode/<image>/<codec>/<variant>; take the median of the repetitions' real time.
    times = {}
    for run in report["benchmarks"]:
        if run.get("run_type") != "iteration":
            continue
        _, image, codec, variant = run["name"].split("/")[:4]
        times.setdefault((image, codec, variant), []).append(run["real_time"])
    medians = {key: statistics.median(values) for key, values in times.items()}

    context = report.get("context", {})
    print(f"codec_bench on {context.get('num_cpus', '?')} CPUs, medians of {arguments.repetitions} repetitions "
          f"(ratio = library time / dcmflow time: above 1 means dcmflow is faster)\n")
    print(f"{'image':14} {'codec':9} {'versus':10} {'dcmflow ms':>11} {'other ms':>9} {'ratio':>6}  target")
    below = 0
    for (image, codec, variant), dcmflow_time in sorted(medians.items()):
        if variant != "dcmflow":
            continue
        for (other_image, other_codec, other), other_time in medians.items():
            if (other_image, other_codec) != (image, codec) or other == "dcmflow":
                continue
            ratio = other_time / dcmflow_time
            target = 1.00 if codec == "rle" else 0.90
            met = ratio >= target
            below += 0 if met else 1
            print(f"{image:14} {codec:9} {other:10} {dcmflow_time:11.2f} {other_time:9.2f} {ratio:6.2f}  "
                  f"{'>=' if met else '<'} {target:.2f}")
    print(f"\n{'all targets met' if below == 0 else f'{below} rows below target'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
