#!/usr/bin/python3
"""dcmflow against the tools users would pick instead, in one run, on the same inputs
(datasets/make_bench_corpus.py), on this machine's cores:

  images -> JPEG-LS, RLE and JPEG 2000 DICOM files
      dcmflow  `dcmflow convert` (A4 pages, photos) or `dcmflow transcode` (CT slices)
      cp       copying the same files (RLE rows): reading and writing alone, no codec
      DCMTK    `img2dcm` then `dcmcjpls` / `dcmcrle` per file (CT: the codec tool alone)
      GDCM     `gdcmimg` then `gdcmconv --jpegls|--rle|--j2k` per file (CT: gdcmconv alone)
      the peers run one file per process, `xargs -P<cores>`, as people script them;
      ceiling  the bare codec over the same decoded frames on all cores (`dcmflow bench`:
               the library through dcmflow's thin adapter, in memory, no files, no DICOM)
  .docx -> DICOM pages
      dcmflow against one `soffice --headless --convert-to pdf` per document, and one batch
      soffice call per core, each followed by the same 200-dpi rendering (pdftoppm, raw)
  storing the JPEG-LS instances into the same Orthanc (started afresh for every run)
      dcmflow with 1 and 4 associations and STOW-RS against storescu (1 and 4 processes,
      the files split between them) and dcmsend

Every row is the median of --runs runs (wall time), with the CPU time of the whole process
tree and the peak RSS of its largest process. Prints the tables, and writes latest.json and
latest.svg (and latest.md, bench/README.md's tables) into --results (default bench/results). $DCMFLOW names another dcmflow binary.

usage: bench/vs_peers.py [--scratch DIR] [--runs 3] [--pages 40] [--photos 12] [--ct 300] [--docs 30]
                        [--only images|documents|storing] [--results DIR]
"""

import argparse
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = pathlib.Path(__file__).resolve().parents[1]
DCMFLOW = pathlib.Path(os.environ.get("DCMFLOW", SOURCE / "build" / "release" / "jobs" / "dcmflow"))
sys.path.insert(0, str(SOURCE / "scripts"))
from peers import Orthanc, peer_environment  # noqa: E402
import vs_peers_chart  # noqa: E402  (bench/, beside this file)

CORES = os.cpu_count() or 1
COPY = "cp (no codec)"
STORE_RUNS = 5  # storing rows take a second each and vary most: at least this many runs
CODECS = {"jpegls": ("dcmcjpls", "--jpegls"), "rle": ("dcmcrle", "--rle"), "j2k": (None, "--j2k")}
# class -> (folder, extension dcmflow and gdcmimg read, extension img2dcm reads; None: DICOM in)
CLASSES = {
    "A4 page 200 dpi": ("pages", "pgm", "bmp"),
    "photo 2000x1500 RGB": ("photos", "ppm", "bmp"),
    "CT 512x512 16-bit": ("ct", "dcm", None),
}


class Measured:
    """Wall seconds, CPU seconds (the process and everything it waited for) and peak RSS."""

    def __init__(self, seconds, cpu, rss_mb):
        self.seconds, self.cpu, self.rss_mb = seconds, cpu, rss_mb


def measure(command, env=None) -> Measured:
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env or peer_environment())
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))[:200]} failed ({process.returncode}): "
                           f"{stderr.decode(errors='replace')[-600:]}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def median_of(runs, run) -> dict:
    return summary([run() for _ in range(runs)])


def summary(samples) -> dict:
    return {"seconds": statistics.median(s.seconds for s in samples),
            "cpu_seconds": statistics.median(s.cpu for s in samples),
            "peak_rss_mb": max(s.rss_mb for s in samples), "runs": [s.seconds for s in samples]}


def fresh(folder: pathlib.Path) -> pathlib.Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def count_files(folder: pathlib.Path, pattern="*.dcm") -> int:
    return sum(1 for _ in folder.rglob(pattern))


def xargs(files, script) -> list:
    """One shell per input file, CORES at a time: `printf files | xargs -P CORES sh -c SCRIPT`."""
    listing = "\n".join(map(str, files))
    return ["bash", "-c", f'printf "%s\\n" "$0" | xargs -P {CORES} -I{{}} sh -c \'{script}\' {{}}', listing]


# --- images ------------------------------------------------------------------------------
def image_rows(corpus, scratch, runs):
    rows = []
    for klass, (folder, native, bmp) in CLASSES.items():
        inputs = sorted((corpus / folder).glob(f"*.{native}"))
        raw_mb = raw_megabytes(inputs, klass)
        ceiling = bare_codec(inputs, scratch)
        for codec, (dcmtk_tool, gdcm_flag) in CODECS.items():
            out = scratch / "out"
            if bmp:
                dcmflow = [str(DCMFLOW), "convert", str(corpus / folder), "--include", f"*.{native}", "-o", str(out),
                           "--codec", codec, "--set", "PatientID=BENCH-1", "--per-page"]
            else:
                dcmflow = [str(DCMFLOW), "transcode", str(corpus / folder), "-o", str(out), "--codec", codec]
            tools = {"dcmflow": dcmflow}
            if dcmtk_tool:
                source = sorted((corpus / folder).glob(f"*.{bmp}")) if bmp else inputs
                make = f'img2dcm -i BMP "$0" "{out}/$(basename "$0").tmp" && ' if bmp else ""
                middle = f'"{out}/$(basename "$0").tmp"' if bmp else '"$0"'
                tools["DCMTK"] = xargs(source, f'{make}{dcmtk_tool} {middle} "{out}/$(basename "$0").dcm"'
                                       + (f' && rm {middle}' if bmp else ""))
            make = f'gdcmimg "$0" "{out}/$(basename "$0").tmp" && ' if bmp else ""
            middle = f'"{out}/$(basename "$0").tmp"' if bmp else '"$0"'
            tools["GDCM"] = xargs(inputs, f'{make}gdcmconv {gdcm_flag} {middle} "{out}/$(basename "$0").dcm"'
                                  + (f' && rm {middle}' if bmp else ""))
            if codec == "rle":
                # RLE codes faster than files are read and written: copying the same inputs
                # (no codec, no DICOM) is the floor its rows are held against as well.
                tools[COPY] = ["cp", *map(str, inputs), str(out)]
            for tool, command in tools.items():
                def run(command=command, made_pattern=f"*.{native}" if tool == COPY else "*.dcm"):
                    fresh(out)
                    measured = measure(command)
                    made = count_files(out, made_pattern)
                    if made != len(inputs):
                        raise RuntimeError(f"{tool} {codec} {klass}: {made} files made from {len(inputs)} inputs")
                    return measured
                row = {"section": "images", "class": klass, "codec": codec, "tool": tool, "items": len(inputs),
                       "raw_mb": raw_mb, **median_of(runs, run)}
                row["mb_per_s"] = raw_mb / row["seconds"]
                row["items_per_s"] = len(inputs) / row["seconds"]
                row["ceiling_mb_per_s"] = ceiling[codec]
                row["fraction_of_ceiling"] = row["mb_per_s"] / ceiling[codec]
                rows.append(row)
                print_progress(row)
    for row in rows:
        if row["tool"] != "dcmflow":
            mine = next(r for r in rows if r["tool"] == "dcmflow" and r["class"] == row["class"]
                        and r["codec"] == row["codec"])
            row["dcmflow_ratio"] = mine["mb_per_s"] / row["mb_per_s"]
    return rows


def raw_megabytes(inputs, klass) -> float:
    if klass.startswith("CT"):
        return len(inputs) * 512 * 512 * 2 / 1e6
    return sum(path.stat().st_size for path in inputs) / 1e6  # PNM: a header of a few bytes


def bare_codec(inputs, scratch) -> dict:
    report = scratch / "bare-codec.json"
    subprocess.run([str(DCMFLOW), "bench", *map(str, inputs), "--codecs", ",".join(CODECS), "--threads", str(CORES),
                    "--format", "json", "-o", str(report), "--min-seconds", "1", "--encode-only"], check=True, stdout=subprocess.DEVNULL)
    return {entry["codec"]: entry["encode_mb_per_s"]["all_threads"] for entry in json.loads(report.read_text())["codecs"]}


# --- documents ---------------------------------------------------------------------------
def document_rows(corpus, scratch, runs):
    docs = sorted((corpus / "docx").glob("*.docx"))
    out = scratch / "out"

    def render(pdfs: pathlib.Path):
        return [f'for pdf in "{pdfs}"/*.pdf; do pdftoppm -r 200 "$pdf" "${{pdf%.pdf}}"; done']

    per_document = ["bash", "-c", "; ".join(
        [f'for f in "{corpus}/docx"/*.docx; do soffice --headless -env:UserInstallation=file://{scratch}/profile-1 '
         f'--convert-to pdf --outdir "{out}" "$f" || exit 1; done', *render(out)])]
    shares = " ".join(
        f'(soffice --headless -env:UserInstallation=file://{scratch}/profile-b{core} --convert-to pdf --outdir "{out}" '
        + " ".join(f'"{doc}"' for doc in docs[core::CORES]) + ") &" for core in range(CORES))
    batch_per_core = ["bash", "-c", f"{shares} wait; " + render(out)[0]]
    tools = {
        # RLE Lossless: the same pixels in a tenth of the bytes (what an archive should get);
        # uncompressed: as many bytes as pdftoppm's raw pages.
        "dcmflow (RLE Lossless)": [str(DCMFLOW), "convert", str(corpus / "docx"), "-o", str(out),
                                   "--set", "PatientID=BENCH-1", "--codec", "rle"],
        "dcmflow (uncompressed)": [str(DCMFLOW), "convert", str(corpus / "docx"), "-o", str(out),
                                   "--set", "PatientID=BENCH-1"],
        "soffice per document + pdftoppm": per_document,
        f"soffice batch x{CORES} + pdftoppm": batch_per_core,
    }
    rows = []
    for tool, command in tools.items():
        def run(command=command):
            fresh(out)
            os.sync()  # the previous run's gigabyte of pages is written back before this one starts
            return measure(command)
        row = {"section": "documents", "class": ".docx 1-3 pages", "codec": "-", "tool": tool, "items": len(docs),
               **median_of(runs, run)}
        row["items_per_s"] = len(docs) / row["seconds"]
        rows.append(row)
        print_progress(row)
    rle, uncompressed = rows[0], rows[1]
    for row in rows[2:]:
        row["dcmflow_ratio"] = rle["items_per_s"] / row["items_per_s"]
        row["dcmflow_uncompressed_ratio"] = uncompressed["items_per_s"] / row["items_per_s"]
    return rows


# --- storing -----------------------------------------------------------------------------
def store_rows(corpus, scratch, runs):
    instances = scratch / "instances"
    fresh(instances)
    subprocess.run([str(DCMFLOW), "transcode", str(corpus / "ct"), "-o", str(instances / "ct"), "--codec", "jpegls"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(DCMFLOW), "convert", str(corpus / "pages"), "--include", "*.pgm", "-o", str(instances / "pages"),
                    "--codec", "jpegls", "--set", "PatientID=BENCH-1"], check=True, stdout=subprocess.DEVNULL)
    for report in instances.rglob("report.json"):
        report.unlink()  # only DICOM files in the folder the senders are given
    files = sorted(instances.rglob("*.dcm"))
    os.sync()  # the files just written go to disk now, not during the first sender's run
    megabytes = sum(path.stat().st_size for path in files) / 1e6

    def storescu(n):
        return lambda peer: ["bash", "-c", " ".join(
            f'storescu -xt -aec {peer.aet} 127.0.0.1 {peer.dicom_port} ' + " ".join(map(str, part)) + " &"
            for part in (files[index::n] for index in range(n))) + " wait"]

    senders = {
        ("dcmflow", 1): lambda peer: [str(DCMFLOW), "store", str(instances), "--to", peer.url, "--associations", "1"],
        ("storescu", 1): storescu(1),
        ("dcmflow", 4): lambda peer: [str(DCMFLOW), "store", str(instances), "--to", peer.url, "--associations", "4"],
        ("storescu", 4): storescu(4),
        ("dcmsend", 1): lambda peer: ["dcmsend", "-dn", "-aec", peer.aet, "127.0.0.1", str(peer.dicom_port),
                                      "+sd", "+r", str(instances)],
        ("dcmflow STOW-RS", 4): lambda peer: [str(DCMFLOW), "store", str(instances), "--to",
                                              f"http://127.0.0.1:{peer.http_port}/dicom-web?batch=10&in_flight=4"],
    }
    # Orthanc keeps its files in memory where it can: the disk's writeback of one run's
    # 170 MB otherwise lands on the next run, and the rows measure the disk, not the senders.
    shm = pathlib.Path("/dev/shm")
    peer_folder = shm / f"dcmflow-vs-peers-{os.getpid()}" if shm.is_dir() else scratch / "orthanc"

    def store_once(tool, parallel, command):
        peer = Orthanc(fresh(peer_folder))
        try:
            measured = measure(command(peer))
            arrived = peer.count_instances()
            if arrived != len(files):
                raise RuntimeError(f"{tool} x{parallel}: {arrived} of {len(files)} instances arrived")
            return measured
        finally:
            peer.stop()

    # Round robin (every sender once, then again): a slow spell of the machine or the peer
    # falls on all senders alike instead of on one row.
    samples = {key: [] for key in senders}
    for _ in range(max(runs, STORE_RUNS)):
        for (tool, parallel), command in senders.items():
            samples[(tool, parallel)].append(store_once(tool, parallel, command))
    shutil.rmtree(peer_folder, ignore_errors=True)
    rows = []
    for (tool, parallel), taken in samples.items():
        row = {"section": "storing", "class": "JPEG-LS CT + A4 pages", "codec": "jpegls", "tool": tool,
               "parallel": parallel, "items": len(files), "stored_mb": megabytes, **summary(taken)}
        row["items_per_s"] = len(files) / row["seconds"]
        rows.append(row)
        print_progress(row)
    for row in rows:
        if row["tool"].startswith("dcmflow"):
            peer_row = next(r for r in rows if r["tool"] == "storescu" and r["parallel"] == row["parallel"])
            row["vs_storescu"] = row["items_per_s"] / peer_row["items_per_s"]
    return rows


# --- output ------------------------------------------------------------------------------
def print_progress(row):
    print(f"  {row['section']:<9} {row['class']:<21} {row['codec']:<6} {row['tool']:<34} "
          f"{row['seconds']:7.2f} s (runs {', '.join(f'{s:.2f}' for s in row['runs'])})", flush=True)


def print_tables(results):
    def section(name):
        return [row for row in results["rows"] if row["section"] == name]

    def ratio(key):
        return lambda row: f"{row[key]:.2f}" if key in row else ""

    def number(key, digits):
        return lambda row: f"{row[key]:.{digits}f}"

    print(f"\n{results['machine']}; medians of {results['runs']} runs")
    print_table("Images -> DICOM (MB/s of raw pixels; ratio = dcmflow / that tool; ceiling = bare codec, all cores)",
                section("images"),
                [("class", -21, lambda row: row["class"]), ("codec", -6, lambda row: row["codec"]),
                 ("tool", -13, lambda row: row["tool"]), ("items/s", 8, number("items_per_s", 1)),
                 ("MB/s", 7, number("mb_per_s", 1)), ("CPU s", 7, number("cpu_seconds", 1)),
                 ("RSS MB", 7, number("peak_rss_mb", 0)), ("dcmflow/x", 9, ratio("dcmflow_ratio")),
                 ("of ceiling", 10, number("fraction_of_ceiling", 2))])
    print_table("Documents: .docx -> DICOM pages at 200 dpi", section("documents"),
                [("tool", -34, lambda row: row["tool"]), ("docs/s", 7, number("items_per_s", 2)),
                 ("CPU s", 7, number("cpu_seconds", 1)), ("RSS MB", 7, number("peak_rss_mb", 0)),
                 ("RLE/x", 7, ratio("dcmflow_ratio")), ("uncompressed/x", 14, ratio("dcmflow_uncompressed_ratio"))])
    print_table("Storing into Orthanc (sender CPU and RSS; ratio = dcmflow / storescu at the same parallelism)",
                section("storing"),
                [("tool", -16, lambda row: row["tool"]), ("parallel", 8, lambda row: str(row["parallel"])),
                 ("inst/s", 7, number("items_per_s", 1)), ("CPU s", 7, number("cpu_seconds", 2)),
                 ("RSS MB", 7, number("peak_rss_mb", 0)), ("vs storescu", 11, ratio("vs_storescu"))])


def print_table(title, rows, columns):
    """columns: (heading, width, text of a row); a negative width aligns to the left."""
    if not rows:
        return

    def align(text, width):
        return f"{text:<{-width}}" if width < 0 else f"{text:>{width}}"
    print(f"\n{title}")
    print(" ".join(align(heading, width) for heading, width, _ in columns))
    for row in rows:
        print(" ".join(align(text(row), width) for _, width, text in columns))


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{CORES} cores, {model}, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", type=pathlib.Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--ct", type=int, default=300)
    parser.add_argument("--docs", type=int, default=30)
    parser.add_argument("--only", choices=["images", "documents", "storing"], action="append",
                        help="run only these sections (repeatable; default: all)")
    parser.add_argument("--results", type=pathlib.Path, default=SOURCE / "bench" / "results")
    args = parser.parse_args()
    scratch = args.scratch or pathlib.Path(tempfile.mkdtemp(prefix="dcmflow-vs-peers-"))
    corpus = scratch / "corpus"
    sizes = ["--pages", str(args.pages), "--photos", str(args.photos), "--ct", str(args.ct), "--docs", str(args.docs)]
    stamp = corpus / "sizes"
    if not stamp.exists() or stamp.read_text() != " ".join(sizes):
        shutil.rmtree(corpus, ignore_errors=True)
        print(f"corpus: {' '.join(sizes)} into {corpus}", flush=True)
        subprocess.run([sys.executable, str(SOURCE / "datasets" / "make_bench_corpus.py"), str(corpus), *sizes],
                       check=True)
        stamp.write_text(" ".join(sizes))
    sections = args.only or ["images", "documents", "storing"]
    started = time.monotonic()
    rows = []
    if "images" in sections:
        rows += image_rows(corpus, scratch, args.runs)
    if "documents" in sections:
        rows += document_rows(corpus, scratch, args.runs)
    if "storing" in sections:
        rows += store_rows(corpus, scratch, args.runs)
    results = {"machine": machine(), "runs": args.runs, "corpus": dict(zip(sizes[::2], map(int, sizes[1::2]))),
               "date": time.strftime("%Y-%m-%d"), "bench_seconds": time.monotonic() - started, "rows": rows}
    print_tables(results)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.results / "latest.svg").write_text(vs_peers_chart.svg(results))
    (args.results / "latest.md").write_text(vs_peers_chart.markdown(results))
    print(f"\nwrote {args.results / 'latest.json'}, latest.svg and latest.md (bench/README.md's tables) "
          f"({results['bench_seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
