"""dcmflow run JOB.yaml: job files, the journal (resume, skip by hash, retry), status,
preflight, shards, reports and exit codes -- checked on real files with pydicom, dciodvfy
and the journal's own SQLite database."""

import json
import os
import pathlib
import random
import re
import signal
import sqlite3
import subprocess
import time

import numpy as np
import pydicom
import pytest
from PIL import Image

from dcmflow_testing import dciodvfy_errors, dcmflow_binary, run_dcmflow


def write_job(folder: pathlib.Path, text: str, name="job.yaml") -> pathlib.Path:
    job = folder / name
    job.write_text(text, encoding="utf-8")
    return job


def make_pages(folder: pathlib.Path, count: int, size=(96, 64), seed=1):
    """`count` distinct grey PNG pages (distinct content: distinct hashes and UIDs)."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(seed)
    for index in range(count):
        pixels = generator.integers(0, 256, size=(size[1], size[0]), dtype=np.uint8)
        Image.fromarray(pixels, "L").save(folder / f"page-{index:04d}.png")


def journal_rows(journal: pathlib.Path, sql: str):
    with sqlite3.connect(journal) as database:
        return database.execute(sql).fetchall()


def wait_until_stored(journal: pathlib.Path, process, count: int, seconds=60):
    """Until the running job's journal has `count` stored items (or the process ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if journal_rows(journal, "SELECT count(*) FROM items WHERE state = 'stored'")[0][0] >= count:
                return
        except sqlite3.Error:
            pass
        time.sleep(0.02)


BASIC_JOB = """
inputs:
  - pages
attributes:
  PatientID: P-RUN-1
  PatientName: "TEST^RUN"
codec: rle
destinations: [file://out]
threads: 2
"""


def test_run_converts_every_input_and_writes_reports(tmp_path):
    make_pages(tmp_path / "pages", 6)
    job = write_job(tmp_path, BASIC_JOB)
    completed = run_dcmflow("run", job, "--progress", "log", check=0)
    assert "6 stored, 0 failed, 0 pending of 6 items" in completed.stdout

    outputs = sorted((tmp_path / "out").glob("*.dcm"))
    assert len(outputs) == 6
    for output in outputs:
        dataset = pydicom.dcmread(output)
        assert dataset.PatientID == "P-RUN-1"
        assert dataset.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5"
        source = np.asarray(Image.open(tmp_path / "pages" / output.name.replace(".dcm", ".png")))
        assert np.array_equal(dataset.pixel_array, source), output.name
    assert dciodvfy_errors(outputs[0]) == []

    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["summary"]["ok"] == 6 and report["summary"]["failed"] == 0
    item = report["items"][0]
    assert item["status"] == "ok" and item["attempts"] == 1 and len(item["sha256"]) == 64
    assert item["instances"][0]["sop_instance_uid"] == pydicom.dcmread(tmp_path / "out" / item["outputs"][0]).SOPInstanceUID

    html = (tmp_path / "out" / "report.html").read_text()
    for section in ("Counts", "Throughput over time", "Compression", "Failures", "Contact sheet"):
        assert f"<h2>{section}</h2>" in html
    assert html.count("data:image/png;base64,") == 6  # fewer than 24 items: every one sampled
    assert "P-RUN-1" not in completed.stdout + completed.stderr  # no patient data in the log


def thumbnails_by_input(html: str) -> dict:
    """report.html's contact sheet: input name -> (caption, thumbnail pixels)."""
    import base64
    import io
    import re
    found = {}
    for png, caption in re.findall(r'src="data:image/png;base64,([^"]+)"><figcaption>([^<]+)</figcaption>', html):
        name = caption.rsplit(" (", 1)[0]
        found[name] = (caption, np.asarray(Image.open(io.BytesIO(base64.b64decode(png)))))
    return found


def test_report_html_names_syntaxes_counts_frames_shows_blank_pages_white_and_lists_each_run(tmp_path):
    make_pages(tmp_path / "pages", 2)
    Image.fromarray(np.full((64, 96), 255, dtype=np.uint8), "L").save(tmp_path / "pages" / "blank.png")
    Image.fromarray(np.full((64, 96), 65535, dtype=np.uint16)).save(tmp_path / "pages" / "blank16.png")
    two = [Image.fromarray(np.full((64, 96), level, dtype=np.uint8), "L") for level in (30, 200)]
    two[0].save(tmp_path / "pages" / "two.tif", save_all=True, append_images=two[1:])
    job = write_job(tmp_path, BASIC_JOB)
    run_dcmflow("run", job, "--progress", "none", check=0)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<td>RLE Lossless (1.2.840.10008.1.2.5)</td>" in html
    sheet = thumbnails_by_input(html)
    assert sheet["pages/two.tif"][0] == "pages/two.tif (2 frames)"
    assert sheet["pages/blank.png"][0] == "pages/blank.png (1 frame)"
    for blank in ("pages/blank.png", "pages/blank16.png"):
        assert sheet[blank][1].min() == 255, blank  # white, as on paper
    assert "<h2>Runs</h2>" not in html  # one run: the header says when

    Image.fromarray(np.full((64, 96), 9, dtype=np.uint8), "L").save(tmp_path / "pages" / "page-0001.png")
    run_dcmflow("run", job, "--progress", "none", check=0)
    html = (tmp_path / "out" / "report.html").read_text()
    runs = journal_rows(tmp_path / "job.journal.sqlite", "SELECT started, finished FROM runs ORDER BY id")
    assert len(runs) == 2
    assert "(run 2 of this job)" in html and f"this run {runs[1][0]} to {runs[1][1]}" in html
    for number, (started, finished) in enumerate(runs, start=1):
        items = 4 if number == 1 else 1  # the second run redid the changed page
        assert f"<tr><td>{number}</td><td>{started}</td><td>{finished}</td><td>{items}</td></tr>" in html


def test_the_demo_job_turns_a_chinese_report_into_valid_normalised_dicom(tmp_path):
    """scripts/demo.sh's job, on the data it generates, laid out as in the repository."""
    source = pathlib.Path(os.environ["DCMFLOW_SOURCE_DIR"])
    subprocess.run(["/usr/bin/python3", source / "datasets" / "make_demo.py", tmp_path / "datasets/generated/demo"],
                   check=True)
    (tmp_path / "jobs" / "examples").mkdir(parents=True)
    job = tmp_path / "jobs" / "examples" / "demo.yaml"
    job.write_text((source / "jobs" / "examples" / "demo.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    completed = run_dcmflow("run", job, "--progress", "none", check=0)
    assert "4 stored, 0 failed, 0 pending of 4 items" in completed.stdout
    outputs = sorted((tmp_path / "out" / "demo").glob("*.dcm"))
    assert len(outputs) == 4
    datasets = {path.name: pydicom.dcmread(path) for path in outputs}
    for path in outputs:
        assert dciodvfy_errors(path) == [], path.name
    assert len({dataset.StudyInstanceUID for dataset in datasets.values()}) == 1  # one accession, one study
    report = datasets["胸部CT报告.dcm"]
    assert int(report.NumberOfFrames) == 2  # both pages of the Word report
    assert (report.PatientName, report.PatientID, report.PatientSex, report.PatientAge, report.PatientBirthDate,
            report.PatientWeight, report.SmokingStatus, report.StudyDate) == (
        "张伟", "ZS-20230815-001", "M", "044Y", "19790305", 62.5, "NO", "20230815")
    assert report.SpecificCharacterSet == "ISO_IR 192"
    run_dcmflow("preview", outputs[-1].parent / "胸部CT报告.dcm", "-o", tmp_path / "page1.png", check=0)
    page = np.asarray(Image.open(tmp_path / "page1.png"))
    assert page.min() < 64 and np.median(page) == 255  # black text on a white page


def test_failed_items_are_reported_listed_and_exit_1(tmp_path):
    make_pages(tmp_path / "pages", 3)
    (tmp_path / "pages" / "notes.dat").write_bytes(b"not an image at all")
    job = write_job(tmp_path, BASIC_JOB)
    completed = run_dcmflow("run", job, "--progress", "none", check=1)
    assert "pages/notes.dat: cannot read image: not an image format dcmflow reads" in completed.stderr
    assert "3 stored, 1 failed" in completed.stdout
    html = (tmp_path / "out" / "report.html").read_text()
    assert "pages/notes.dat" in html and "not an image format dcmflow reads" in html
    assert journal_rows(tmp_path / "job.journal.sqlite",
                        "SELECT state, attempts FROM items WHERE key = 'pages/notes.dat'") == [("failed", 1)]


def test_rerun_skips_finished_items_and_redoes_changed_ones(tmp_path):
    make_pages(tmp_path / "pages", 5)
    job = write_job(tmp_path, BASIC_JOB)
    run_dcmflow("run", job, "--progress", "none", check=0)
    before = {path.name: path.stat().st_mtime_ns for path in (tmp_path / "out").glob("*.dcm")}

    completed = run_dcmflow("run", job, "--progress", "none", check=0)
    assert "(5 done by an earlier run)" in completed.stdout
    assert {path.name: path.stat().st_mtime_ns for path in (tmp_path / "out").glob("*.dcm")} == before

    # A changed file is redone (its hash changed); the others are not touched.
    Image.fromarray(np.full((64, 96), 7, dtype=np.uint8), "L").save(tmp_path / "pages" / "page-0002.png")
    completed = run_dcmflow("run", job, "--progress", "none", check=0)
    assert "(4 done by an earlier run)" in completed.stdout
    after = {path.name: path.stat().st_mtime_ns for path in (tmp_path / "out").glob("*.dcm")}
    assert [name for name in after if after[name] != before[name]] == ["page-0002.dcm"]
    assert (pydicom.dcmread(tmp_path / "out" / "page-0002.dcm").pixel_array == 7).all()
    attempts = dict(journal_rows(tmp_path / "job.journal.sqlite", "SELECT key, attempts FROM items"))
    assert attempts["pages/page-0002.png"] == 2
    assert all(count == 1 for key, count in attempts.items() if key != "pages/page-0002.png")


def test_a_job_is_the_same_job_from_any_working_folder(tmp_path):
    """Relative paths start at the job file's folder, and an item's key is its path as the job
    wrote it, wherever dcmflow is started: a run from the parent folder and one from the
    job's own folder share the journal, the outputs and the UIDs; the paths printed are ones
    the caller can open. (dcmflow used to move into the job's folder to get this.)"""
    job_folder = tmp_path / "migration"
    make_pages(job_folder / "pages", 3)
    (job_folder / "manifest.csv").write_text(
        "file,PatientID,PatientName\n" + "".join(f"pages/page-{i:04d}.png,ID-{i},DOE^J{i}\n" for i in range(3)),
        encoding="utf-8")
    write_job(job_folder, "inputs: [pages]\nmanifest: manifest.csv\nreport: reports\n"
                          "destinations: ['file://out']\n")
    first = subprocess.run([dcmflow_binary(), "run", "migration/job.yaml", "--progress", "none"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    report = [line.split(": ", 1)[1] for line in first.stdout.splitlines() if line.startswith("report: ")][0]
    assert (tmp_path / report).is_file(), first.stdout  # relative to the caller, or absolute
    outputs = sorted((job_folder / "out").glob("*.dcm"))
    assert [path.name for path in outputs] == [f"page-{i:04d}.dcm" for i in range(3)]
    assert [pydicom.dcmread(path).PatientID for path in outputs] == ["ID-0", "ID-1", "ID-2"]
    uids = [pydicom.dcmread(path).SOPInstanceUID for path in outputs]
    keys = sorted(key for (key,) in journal_rows(job_folder / "job.journal.sqlite", "SELECT key FROM items"))
    assert keys == [f"pages/page-{i:04d}.png" for i in range(3)]
    assert not (tmp_path / "out").exists() and not (tmp_path / "job.journal.sqlite").exists()

    again = subprocess.run([dcmflow_binary(), "run", "job.yaml", "--progress", "none", "--retry-failed"],
                           cwd=job_folder, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "(3 done by an earlier run)" in again.stdout
    assert [pydicom.dcmread(path).SOPInstanceUID for path in sorted((job_folder / "out").glob("*.dcm"))] == uids


def test_failed_items_are_retried_only_with_retry_failed(tmp_path):
    make_pages(tmp_path / "pages", 2)
    (tmp_path / "pages" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    job = write_job(tmp_path, BASIC_JOB)
    run_dcmflow("run", job, "--progress", "none", check=1)
    run_dcmflow("run", job, "--progress", "none", check=1)
    query = "SELECT attempts FROM items WHERE key = 'pages/broken.png'"
    assert journal_rows(tmp_path / "job.journal.sqlite", query) == [(1,)]
    run_dcmflow("run", job, "--progress", "none", "--retry-failed", check=1)
    assert journal_rows(tmp_path / "job.journal.sqlite", query) == [(2,)]


def test_status_prints_counts_by_state(tmp_path):
    make_pages(tmp_path / "pages", 3)
    (tmp_path / "pages" / "notes.dat").write_bytes(b"text")
    job = write_job(tmp_path, BASIC_JOB)
    completed = run_dcmflow("status", job, check=0)
    assert "4 items, none run yet" in completed.stdout
    run_dcmflow("run", job, "--progress", "none", check=1)
    completed = run_dcmflow("status", job, check=0)
    assert "stored: 3" in completed.stdout and "failed: 1" in completed.stdout and "pending: 0" in completed.stdout


@pytest.mark.parametrize("text, line, message", [
    ("inputs: [pages]\ndestinatons: [file://out]\n", 2, "job: unknown key 'destinatons'"),
    ("inputs: [pages]\ncodec: jpeg-xl\n", 2, "codec: jpeg-xl: no codec of that name"),
    ("inputs: [pages]\nthreads: many\n", 2, "threads: 'many' is not a number"),
    ("inputs: [pages\n", 2, "not valid YAML"),
    ("codec: rle\n", 1, "inputs: the job names no inputs"),
    ("inputs: [pages]\nattributes:\n  PatientID: P\n  PatientBirthDate: tomorrow\n", 4, "attributes: "),
    ("inputs: [pages]\nmanifest:\n  file: m.csv\n  columns:\n    DOB: {keyword: PatientBirthDay}\n", 5,
     "manifest.columns.DOB: "),
    ("inputs: [pages]\nmanifest:\n  file: m.csv\n  columns:\n    Name: {keyword: PatientName, format: '%d'}\n",
     5, "manifest.columns.Name: PatientName (PN): a format applies to dates and times only"),
    ("inputs: [pages]\nrasterise:\n  dpi: 5000\n", 3, "rasterise.dpi: 5000 is out of range"),
    ("inputs:\n  - path: pages\n    exclued: ['*.tmp']\n", 3, "inputs: unknown key 'exclued'"),
])
def test_bad_job_files_fail_with_file_line_and_exit_2(tmp_path, text, line, message):
    job = write_job(tmp_path, text)
    completed = run_dcmflow("run", job, check=2)
    assert f"{job}:{line}: {message}" in completed.stderr, completed.stderr
    assert not (tmp_path / "job.journal.sqlite").exists()


@pytest.mark.parametrize("text, message", [
    ("inputs: [pages]\nattributes: {PatientID: P}\ndestinations: [dicomx://AE@host:104]\n",
     "unknown destination scheme 'dicomx'"),
    ("inputs: [pages]\n", "no PatientID"),
    ("inputs: [pages]\nmanifest: missing.csv\n", "missing.csv: cannot read the manifest"),
])
def test_jobs_that_cannot_run_are_usage_errors(tmp_path, text, message):
    completed = run_dcmflow("run", write_job(tmp_path, text), check=2)
    assert message in completed.stderr, completed.stderr


LEGACY_CSV = """Scan file,Patient No,Name,DOB,Sex,Ward
pages/page-0000.png,H001,张^三,31/12/1950,M,East 3
pages/page-0001.png,H002,SMITH^JANE,1/2/1961,F,West 1
pages/page-0002.png,H003,DOE^JOHN,1961-02-01,M,West 2
"""

MAPPED_JOB = """
inputs: [pages]
manifest:
  file: legacy.csv
  columns:
    "Scan file": file
    "Patient No": PatientID
    Name: PatientName
    DOB: {keyword: PatientBirthDate, format: "%d/%m/%Y"}
    Sex: PatientSex
codec: rle
"""


def test_manifest_columns_map_legacy_names_and_date_formats(tmp_path):
    make_pages(tmp_path / "pages", 3)
    (tmp_path / "legacy.csv").write_text(LEGACY_CSV, encoding="utf-8")
    job = write_job(tmp_path, MAPPED_JOB)
    completed = run_dcmflow("run", job, "--progress", "none", check=1)
    first = pydicom.dcmread(tmp_path / "output" / "page-0000.dcm")
    assert (first.PatientID, first.PatientBirthDate, first.PatientSex) == ("H001", "19501231", "M")
    assert str(first.PatientName) == "张^三"
    assert pydicom.dcmread(tmp_path / "output" / "page-0001.dcm").PatientBirthDate == "19610201"
    # Row 4 gives an ISO date where the format asks for day/month/year: that row's input fails
    # with file, row and column, and never the value itself.
    assert "legacy.csv:4:4: PatientBirthDate (DA): does not match the format %d/%m/%Y" in completed.stderr
    assert "1961-02-01" not in completed.stderr
    assert not (tmp_path / "output" / "page-0002.dcm").exists()


def test_preflight_lists_problems_and_encodes_nothing(tmp_path):
    make_pages(tmp_path / "pages", 3)
    (tmp_path / "pages" / "readme.dat").write_bytes(b"x")
    (tmp_path / "legacy.csv").write_text(LEGACY_CSV.replace("pages/page-0002.png", "pages/gone.png"), encoding="utf-8")
    job = write_job(tmp_path, MAPPED_JOB)
    completed = run_dcmflow("run", job, "--preflight", check=1)
    out = completed.stdout
    assert "inputs: 4 items" in out and "image: 3" in out and "unrecognised: 1" in out
    assert "estimated pages: 3" in out
    assert "manifest: legacy.csv: 3 rows, 1 with problems" in out
    assert "columns ignored (neither mapped nor DICOM keywords): 'Ward'" in out
    assert "pages/page-0002.png: no row of legacy.csv names this file" in out
    assert "legacy.csv:4: names no input of the job" in out
    assert "pages/readme.dat: cannot read image: not an image format dcmflow reads" in out
    assert "file://output" in out
    assert not (tmp_path / "output").exists() and not (tmp_path / "job.journal.sqlite").exists()


def test_preflight_of_a_sound_job_exits_0(tmp_path):
    make_pages(tmp_path / "pages", 2)
    job = write_job(tmp_path, BASIC_JOB)
    completed = run_dcmflow("run", job, "--preflight", check=0)
    assert "problems: 0" in completed.stdout and "would convert: 2 items, about 2 pages" in completed.stdout


def test_shards_cover_every_item_exactly_once(tmp_path):
    make_pages(tmp_path / "pages", 30)
    job = write_job(tmp_path, BASIC_JOB)
    keys = []
    outputs = []
    for index in range(3):
        run_dcmflow("run", job, "--shard", f"{index}/3", "--progress", "none", check=0)
        journal = tmp_path / f"job.journal.shard-{index}-of-3.sqlite"
        rows = journal_rows(journal, "SELECT key, state FROM items")
        assert all(state == "stored" for _, state in rows)
        keys += [key for key, _ in rows]
        outputs += [row[0] for row in journal_rows(journal, "SELECT output FROM instances")]
        assert (tmp_path / "out" / f"report.shard-{index}-of-3.json").exists()
    assert sorted(keys) == sorted(f"pages/page-{i:04d}.png" for i in range(30))
    assert len(outputs) == len(set(outputs)) == 30
    assert sorted(path.name for path in (tmp_path / "out").glob("*.dcm")) == sorted(outputs)


def test_bad_shard_is_a_usage_error(tmp_path):
    make_pages(tmp_path / "pages", 1)
    job = write_job(tmp_path, BASIC_JOB)
    assert "expected I/N" in run_dcmflow("run", job, "--shard", "3/3", check=2).stderr


def reference_uids(tmp_path, job_text, pages):
    """UIDs of an uninterrupted run of the same inputs, in a folder of its own."""
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "pages").symlink_to(pages)
    run_dcmflow("run", write_job(reference, job_text), "--progress", "none", check=0)
    return dict(journal_rows(reference / "job.journal.sqlite", "SELECT output, sop_instance_uid FROM instances"))


def test_a_run_killed_with_sigkill_resumes_without_losing_or_repeating_anything(tmp_path):
    pages = tmp_path / "pages"
    make_pages(pages, 60, size=(900, 700), seed=7)
    job_text = BASIC_JOB.replace("codec: rle", "codec: j2k")
    expected = reference_uids(tmp_path, job_text, pages)
    assert len(expected) == 60

    work = tmp_path / "work"
    work.mkdir()
    (work / "pages").symlink_to(pages)
    job = write_job(work, job_text)
    journal = work / "job.journal.sqlite"
    process = subprocess.Popen([dcmflow_binary(), "run", str(job), "--progress", "none"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill at a random moment once some items are committed, while others are in flight.
    wait_until_stored(journal, process, 3)
    time.sleep(random.uniform(0, 0.5))
    process.kill()
    process.wait()
    first_run = dict(journal_rows(journal, "SELECT key, state FROM items"))
    done_first = {key for key, state in first_run.items() if state == "stored"}
    assert 3 <= len(done_first) < 60, "the kill came too late to interrupt anything"

    run_dcmflow("run", job, "--progress", "none", check=0)
    rows = journal_rows(journal, "SELECT key, state, attempts FROM items")
    assert len(rows) == 60 and all(state == "stored" for _, state, _ in rows)
    # Items finished before the kill were not done again.
    assert all(attempts == 1 for key, _, attempts in rows if key in done_first)
    instances = dict(journal_rows(journal, "SELECT output, sop_instance_uid FROM instances"))
    assert instances == expected  # the same objects, with the same UIDs
    files = sorted(path.name for path in (work / "out").iterdir() if path.suffix not in (".json", ".html", ".csv"))
    assert files == sorted(expected), "a partial or extra file was left behind"
    for name, uid in list(instances.items())[::7]:
        assert pydicom.dcmread(work / "out" / name).SOPInstanceUID == uid


def test_sigterm_stops_a_run_cleanly_and_the_next_run_goes_on(tmp_path):
    make_pages(tmp_path / "pages", 60, size=(900, 700), seed=8)
    job = write_job(tmp_path, BASIC_JOB.replace("codec: rle", "codec: j2k"))
    journal = tmp_path / "job.journal.sqlite"
    process = subprocess.Popen([dcmflow_binary(), "run", str(job), "--progress", "none"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_stored(journal, process, 3)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 5, err
    assert "stopped on request" in err
    states = dict(journal_rows(journal, "SELECT state, count(*) FROM items GROUP BY state"))
    # Items in flight finished and were journalled; none failed, none was left "in flight".
    assert states.get("failed", 0) == 0
    assert states.get("stored", 0) >= 3 and states.get("pending", 0) > 0, states
    assert journal_rows(journal, "SELECT count(*) FROM in_flight")[0][0] == 0
    again = run_dcmflow("run", job, "--progress", "none", check=0)
    assert "60 stored, 0 failed, 0 pending of 60 items" in again.stdout


def test_preflight_of_a_transcode_job_flags_files_that_are_not_dicom(tmp_path):
    make_pages(tmp_path / "pages", 1)
    job = write_job(tmp_path, "inputs: [pages]\nmode: transcode\ncodec: rle\n")
    completed = run_dcmflow("run", job, "--preflight", check=1)
    assert "pages/page-0000.png: not a DICOM file (mode: transcode recompresses DICOM only)" in completed.stdout


def test_preflight_of_one_shard_counts_rows_that_name_other_shards_inputs(tmp_path):
    make_pages(tmp_path / "pages", 3)
    (tmp_path / "legacy.csv").write_text(LEGACY_CSV.replace(",1961-02-01,", ",01/02/1961,"), encoding="utf-8")
    job = write_job(tmp_path, MAPPED_JOB)
    for index in range(3):
        completed = run_dcmflow("run", job, "--preflight", "--shard", f"{index}/3")
        assert "names no input of the job" not in completed.stdout, completed.stdout


EXAMPLES = sorted((pathlib.Path(os.environ.get("DCMFLOW_SOURCE_DIR", ".")) / "jobs" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_job_files_are_valid(example, tmp_path):
    """The examples name inputs that do not exist here; their job files must still read
    cleanly (a problem in the file itself is reported as FILE:LINE)."""
    copy = tmp_path / example.name
    copy.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    completed = run_dcmflow("run", copy, "--preflight")
    assert f"{copy}:" not in completed.stderr, completed.stderr
    assert not list(tmp_path.glob("*.sqlite")), "a preflight must not create a journal"


def test_a_job_goes_on_only_with_the_fonts_and_libreoffice_it_started_with(tmp_path):
    """A document renders to other pages with other fonts (88 instead of 84 pages while the
    font cache was being built), and its UIDs are derived: a resumed run or another machine
    with other fonts must not go on silently."""
    make_pages(tmp_path / "pages", 2)
    job = write_job(tmp_path, BASIC_JOB)
    home = tmp_path / "home"
    home.mkdir()
    environment = dict(os.environ, HOME=str(home))

    def run(*extra):
        return subprocess.run([dcmflow_binary(), "run", str(job), "--progress", "none", *extra],
                              capture_output=True, text=True, env=environment, timeout=300)

    assert run().returncode == 0
    recorded = journal_rows(tmp_path / "job.journal.sqlite", "SELECT value FROM settings")
    assert len(recorded) == 1 and recorded[0][0].startswith("LibreOffice build ")
    # A font installed for the user since: fontconfig finds it, so LibreOffice would use it.
    (home / ".fonts").mkdir()
    (home / ".fonts" / "extra.ttf").write_bytes(b"\0" * 1024)
    refused = run()
    assert refused.returncode == 2
    assert "the rendering environment differs from this job's first run" in refused.stderr
    assert "--accept-environment" in refused.stderr
    assert run("--preflight").returncode == 1
    assert run("--accept-environment").returncode == 0
    assert run().returncode == 0  # the new environment is the job's from now on


def test_a_shard_goes_on_only_with_the_environment_of_the_job(tmp_path):
    """Shards keep journals of their own, so a shard on a machine with other fonts used to
    record its own environment and render other pages under the job's UIDs. A shard now
    compares itself with the other shards' journals beside its own, and with the job file's
    `rasterise.environment` when the job pins one (as `--preflight` prints it)."""
    make_pages(tmp_path / "pages", 4)
    job = write_job(tmp_path, BASIC_JOB)
    home = tmp_path / "home"
    home.mkdir()
    environment = dict(os.environ, HOME=str(home))

    def run(job_file, *extra):
        return subprocess.run([dcmflow_binary(), "run", str(job_file), "--progress", "none", *extra],
                              capture_output=True, text=True, env=environment, timeout=300)

    preflight = run(job, "--preflight", "--shard", "0/2")
    (printed,) = re.findall(r"^rendering environment: (.+)$", preflight.stdout, re.MULTILINE)
    assert printed.startswith("LibreOffice build ")
    assert run(job, "--shard", "0/2").returncode == 0
    # Shard 1 runs where a font was added since: refused, naming shard 0's first run.
    (home / ".fonts").mkdir()
    (home / ".fonts" / "extra.ttf").write_bytes(b"\0" * 1024)
    refused = run(job, "--shard", "1/2")
    assert refused.returncode == 2, refused.stderr
    assert "differs from the first run of shard 0/2" in refused.stderr
    assert run(job, "--shard", "1/2", "--preflight").returncode == 1
    assert not (tmp_path / "job.journal.shard-1-of-2.sqlite").exists() or \
        not journal_rows(tmp_path / "job.journal.shard-1-of-2.sqlite", "SELECT key FROM items WHERE state = 'stored'")

    # A job that pins the environment it was prepared under holds every run to it, even
    # the first of a journal of its own.
    pinned = write_job(tmp_path, BASIC_JOB.replace("codec: rle", "codec: rle\nrasterise:\n  environment: \"" +
                                                   printed + "\"\njournal: pinned.sqlite"), name="pinned.yaml")
    refused = run(pinned)
    assert refused.returncode == 2
    assert "differs from the job file (rasterise.environment)" in refused.stderr
    assert run(pinned, "--preflight").returncode == 1
    (home / ".fonts" / "extra.ttf").unlink()
    assert run(pinned).returncode == 0


def test_an_input_that_crashes_gdcm_fails_alone_on_the_first_run(tmp_path):
    """A file GDCM aborts on (a preamble and "DICM", nothing after: an assertion in Debian's
    GDCM) used to kill every run, with the rest of the job pending and no report. It is
    decoded in a helper process now: it fails, saying how, and the rest is stored."""
    make_pages(tmp_path / "pages", 3)
    (tmp_path / "pages" / "poison.dcm").write_bytes(bytes(128) + b"DICM")
    job = write_job(tmp_path, BASIC_JOB)
    first = run_dcmflow("run", job, "--progress", "none", check=1)
    assert "pages/poison.dcm: the decoder was killed by SIGABRT while reading the DICOM file" in first.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    outcome = {item["input"]: item["status"] for item in report["items"]}
    assert outcome == {"pages/page-0000.png": "ok", "pages/page-0001.png": "ok", "pages/page-0002.png": "ok",
                       "pages/poison.dcm": "failed"}
    assert run_dcmflow("run", job, "--progress", "none").returncode == 1  # a plain rerun skips it


def kill_when_in_flight(job: pathlib.Path, journal: pathlib.Path, key: str, alone: int):
    """Starts `dcmflow run JOB`, SIGKILLs it once the journal shows `key` in flight (`alone`:
    as a suspect of an earlier death, run by itself)."""
    process = subprocess.Popen([dcmflow_binary(), "run", str(job), "--progress", "none"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, "the run ended before the item was in flight"
            try:
                if journal_rows(journal, f"SELECT 1 FROM in_flight WHERE key = '{key}' AND alone = {alone}"):
                    break
            except sqlite3.OperationalError:
                pass  # not made yet, or busy
            time.sleep(0.01)
        else:
            raise AssertionError(f"{key} never went in flight")
    finally:
        process.kill()
        process.wait()


def test_an_item_in_flight_when_the_run_died_twice_is_failed_and_the_rest_goes_on(tmp_path):
    """What no helper contains (the kernel's OOM killer, a power cut) may still stop a run
    with an item in flight. It is run alone next time; a second death with it in flight fails
    it ("stopped the run twice") instead of stopping every later run."""
    make_pages(tmp_path / "pages", 3)
    # 400 MB of pixels in a file of a few hundred kilobytes: long enough in flight to be killed.
    Image.new("L", (20000, 20000), 0).save(tmp_path / "pages" / "slow.png")
    job = write_job(tmp_path, BASIC_JOB.replace("threads: 2", "threads: 1"))
    journal = tmp_path / "job.journal.sqlite"
    kill_when_in_flight(job, journal, "pages/slow.png", alone=0)
    kill_when_in_flight(job, journal, "pages/slow.png", alone=1)
    third = run_dcmflow("run", job, "--progress", "none", check=1)
    assert "pages/slow.png: stopped the run twice" in third.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    outcome = {item["input"]: item["status"] for item in report["items"]}
    assert outcome == {"pages/page-0000.png": "ok", "pages/page-0001.png": "ok", "pages/page-0002.png": "ok",
                       "pages/slow.png": "failed"}
    # Two runs worked on it (and died): its attempts say so.
    assert {item["input"]: item["attempts"] for item in report["items"]}["pages/slow.png"] == 2


def test_scratch_folders_of_killed_runs_are_removed_by_the_next_run(tmp_path):
    """SIGKILL leaves a run no time to remove its scratch folders (archive entries, the
    LibreOffice PDFs): the next run removes those whose process is gone, and no other."""
    scratch = tmp_path / "tmp"
    dead = subprocess.Popen(["true"])
    dead.wait()
    left_behind = [scratch / f"dcmflow-entries-{dead.pid}", scratch / f"dcmflow-{dead.pid}"]
    alive = scratch / f"dcmflow-entries-{os.getpid()}"
    for folder in [*left_behind, alive]:
        folder.mkdir(parents=True)
        (folder / "page.png").write_bytes(b"left")
    make_pages(tmp_path / "pages", 1)
    subprocess.run([dcmflow_binary(), "convert", str(tmp_path / "pages"), "-o", str(tmp_path / "out"),
                    "--set", "PatientID=P"], check=True, capture_output=True, env={**os.environ, "TMPDIR": str(scratch)})
    assert not any(folder.exists() for folder in left_behind)
    assert alive.exists()
