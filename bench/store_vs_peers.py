#!/usr/bin/python3
"""Storing the same instances into the same peers, side by side in one run: dcmflow with 1,
2, 4 and 8 associations (and STOW-RS to Orthanc) against DCMTK's storescu (as many parallel
processes as associations, the files split between them) and dcmsend, into a real Orthanc
and into storescp (--fork, accepting every syntax). Instances/s and MB/s, medians of --runs
runs, each into a freshly started peer (a peer that already holds an instance answers
faster) keeping its files in /dev/shm, and the ratio dcmflow / peer tool at the same parallelism.

The instances: CT-like 512x512 16-bit slices and A4 report pages at 150 dpi, as JPEG-LS
(PEERS.md's mix). Every process runs without Nagle (TCP_NODELAY=1).

usage: bench/store_vs_peers.py [--ct 200] [--pages 100] [--runs 3] [--scratch DIR]
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

import numpy as np
from PIL import Image

SOURCE = pathlib.Path(__file__).resolve().parents[1]
DCMFLOW = SOURCE / "build" / "release" / "jobs" / "dcmflow"
sys.path.insert(0, str(SOURCE / "scripts"))
from peers import Orthanc, StoreSCP, peer_environment  # noqa: E402


def make_instances(scratch: pathlib.Path, ct: int, pages: int) -> pathlib.Path:
    out = scratch / "instances"
    if out.exists() and len(list(out.glob("*.dcm"))) == ct + pages:
        return out
    shutil.rmtree(scratch / "sources", ignore_errors=True)
    sources = scratch / "sources"
    sources.mkdir(parents=True)
    generator = np.random.default_rng(3)
    y, x = np.mgrid[0:512, 0:512]
    body = ((x - 256) ** 2 + (y - 256) ** 2 < 220 ** 2) * 1000
    for index in range(ct):
        slice_ = (body + 24 * np.sin((x + index) / 9.0) + generator.normal(0, 20, (512, 512)) + 1024)
        Image.fromarray(np.clip(slice_, 0, 4095).astype(np.uint16)).save(sources / f"ct-{index:04d}.png")
    subprocess.run([sys.executable, str(SOURCE / "datasets" / "make_pages.py"), str(sources / "pages"), "--count",
                    str(pages), "--format", "png"], check=True)
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([str(DCMFLOW), "convert", str(sources), "-o", str(out), "--codec", "jpegls",
                    "--set", "PatientID=BENCH-STORE", "--per-page"], check=True, stdout=subprocess.DEVNULL)
    (out / "report.json").unlink()
    return out


def timed(command) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=peer_environment())
    return time.monotonic() - started


def split(files, parts):
    return [files[index::parts] for index in range(parts)]


def parallel(commands) -> float:
    started = time.monotonic()
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=peer_environment()) for command in commands]
    for process in processes:
        if process.wait() != 0:
            raise RuntimeError(f"{commands[0][0]} failed")
    return time.monotonic() - started


def senders(peer_kind, files, folder):
    """(name, parallelism, function(peer) -> seconds) for every row."""
    rows = []
    for associations in (1, 2, 4, 8):
        rows.append(("dcmflow", associations, lambda peer, n=associations: timed(
            [str(DCMFLOW), "store", str(folder), "--to", peer.url, "--associations", str(n)])))
        rows.append(("storescu", associations, lambda peer, n=associations: parallel(
            [["storescu", "-xt", "-aec", peer.aet, "127.0.0.1", str(peer_port(peer)), *map(str, part)]
             for part in split(files, n)])))
    rows.append(("dcmsend", 1, lambda peer: timed(
        ["dcmsend", "-dn", "-aec", peer.aet, "127.0.0.1", str(peer_port(peer)), "+sd", str(folder)])))
    if peer_kind == "orthanc":
        rows.append(("dcmflow STOW-RS", 4, lambda peer: timed(
            [str(DCMFLOW), "store", str(folder), "--to",
             f"http://127.0.0.1:{peer.http_port}/dicom-web?batch=10&in_flight=4"])))
    return rows


def peer_port(peer):
    return peer.dicom_port if isinstance(peer, Orthanc) else peer.port


def start(kind, folder: pathlib.Path):
    shutil.rmtree(folder, ignore_errors=True)
    return Orthanc(folder) if kind == "orthanc" else StoreSCP(folder, accept_all=True, fork=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ct", type=int, default=200)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scratch", type=pathlib.Path)
    args = parser.parse_args()
    scratch = args.scratch or pathlib.Path(tempfile.mkdtemp(prefix="dcmflow-store-bench-"))
    folder = make_instances(scratch, args.ct, args.pages)
    files = sorted(folder.glob("*.dcm"))
    os.sync()  # the instances just made go to disk now, not during the first run
    # The peers keep their files in memory where they can: one run's disk writeback would
    # otherwise land on the next run.
    shm = pathlib.Path("/dev/shm")
    peer_folder = shm / f"dcmflow-store-bench-{os.getpid()}" if shm.is_dir() else scratch / "peer"
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    results = []
    print(f"store_vs_peers: {len(files)} JPEG-LS instances ({megabytes:.0f} MB), {os.cpu_count()} cores, "
          f"medians of {args.runs} runs, each into a fresh peer")
    for kind in ("orthanc", "storescp"):
        for name, parallelism, send in senders(kind, files, folder):
            times = []
            for _ in range(args.runs):
                peer = start(kind, peer_folder)
                try:
                    times.append(send(peer))
                    if kind == "orthanc":
                        assert peer.count_instances() == len(files), f"{name}: not every instance arrived"
                finally:
                    peer.stop()
            seconds = statistics.median(times)
            results.append({"peer": kind, "sender": name, "parallel": parallelism, "seconds": seconds,
                            "instances_per_s": len(files) / seconds, "mb_per_s": megabytes / seconds})
    print(f"{'peer':<9} {'sender':<16} {'parallel':>8} {'inst/s':>8} {'MB/s':>7} {'dcmflow / storescu':>19}")
    for row in results:
        ratio = ""
        if row["sender"] == "dcmflow":
            peer_row = next(r for r in results if r["peer"] == row["peer"] and r["sender"] == "storescu"
                            and r["parallel"] == row["parallel"])
            row["ratio_vs_storescu"] = row["instances_per_s"] / peer_row["instances_per_s"]
            ratio = f"{row['ratio_vs_storescu']:.2f}"
        print(f"{row['peer']:<9} {row['sender']:<16} {row['parallel']:>8} {row['instances_per_s']:>8.1f} "
              f"{row['mb_per_s']:>7.1f} {ratio:>19}")
    shutil.rmtree(peer_folder, ignore_errors=True)
    print(json.dumps({"instances": len(files), "megabytes": megabytes, "rows": results}))


if __name__ == "__main__":
    main()
