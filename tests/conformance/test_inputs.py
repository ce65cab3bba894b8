"""What an input is comes from its bytes: empty files and archives fail with a reason
instead of becoming blank pages or "0 of 0" successes; a PNG named .txt is an image and a
Word document named .png goes to LibreOffice; the job's own manifest, journal, reports and
outputs are never inputs, even inside an input folder."""

import json
import os
import pathlib
import shutil
import zipfile

import numpy as np
import pydicom
from PIL import Image

from dcmflow_testing import run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))


def items_of(out):
    report = json.loads((out / "report.json").read_text())
    return {item["input"].split("/")[-1]: item for item in report["items"]}


def test_empty_files_members_and_archives_fail_with_a_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("empty.png", "empty.docx", "empty.pdf", "empty.zip"):
        (folder / name).write_bytes(b"")
    with zipfile.ZipFile(folder / "forms.zip", "w") as archive:
        archive.writestr("blank.png", b"")
        archive.write(IMAGES / "grey8.png", "grey8.png")
    with zipfile.ZipFile(folder / "folders.zip", "w") as archive:
        archive.writestr("only/a/folder/", b"")
    completed = run_dcmflow("convert", folder, "-o", tmp_path / "out", "--allow-missing-patient-id", check=1)
    items = items_of(tmp_path / "out")
    for name in ("empty.png", "empty.docx", "empty.pdf", "forms.zip!blank.png"):
        assert items[name]["status"] == "failed" and items[name]["error"] == "empty file", name
    assert items["empty.zip"]["error"] == "empty archive: no entries (or an empty file)"
    assert items["folders.zip"]["error"] == "an archive of folders only: no files"
    assert items["forms.zip!grey8.png"]["status"] == "ok"  # its neighbour still converts
    assert "1 of 7 inputs done" in completed.stdout


def test_the_type_comes_from_the_bytes_not_the_name(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(IMAGES / "grey8.png", folder / "scan.txt")  # a PNG with a text file's name
    document = folder / "letter.png"  # a Word document with an image's name
    import docx
    word = docx.Document()
    word.add_paragraph("Discharge letter: the patient went home well.")
    word.save(document)
    run_dcmflow("convert", folder, "-o", tmp_path / "out", "--allow-missing-patient-id", check=0)
    items = items_of(tmp_path / "out")
    scan = pydicom.dcmread(tmp_path / "out" / items["scan.txt"]["outputs"][0])
    assert np.array_equal(scan.pixel_array, np.asarray(Image.open(IMAGES / "grey8.png")))
    letter = pydicom.dcmread(tmp_path / "out" / items["letter.png"]["outputs"][0])
    assert letter.Rows > 1000  # an A4 page rendered at 200 dpi, not the bytes read as a picture


def test_the_jobs_own_files_are_never_inputs(tmp_path):
    """Everything in one folder, as people do: the manifest, the journal, the output folder
    and the reports beside the scans."""
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(IMAGES / "grey8.png", folder / "scan.png")
    (folder / "manifest.csv").write_text("file,PatientID\nscan.png,P1\n")
    (folder / "job.yaml").write_text("inputs: [.]\nmanifest: manifest.csv\ndestinations: [file://out]\n"
                                     "journal: job.journal.sqlite\n")
    for run in (1, 2):  # the second run sees the first's journal, reports and outputs in the folder
        completed = run_dcmflow("run", folder / "job.yaml", "--progress", "none", "--retry-failed", check=0)
        assert f"1 stored, 0 failed, 0 pending of 1 items ({run - 1} done by an earlier run)" in completed.stdout
    journal_keys = [item["input"] for item in json.loads((folder / "out" / "report.json").read_text())["items"]]
    assert journal_keys == ["./scan.png"]


def test_files_that_only_look_like_the_jobs_own_are_still_inputs(tmp_path):
    """Storing beside the sources (the output folder is the input folder), a journal named
    like the scans, and a user's own report.png: every scan is still an input."""
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("scans-1.png", "report.png", "success.png"):
        shutil.copy(IMAGES / "grey8.png", folder / name)
    (tmp_path / "job.yaml").write_text("inputs: [scans]\nattributes: {PatientID: P1}\ndestinations: [file://scans]\n"
                                       "journal: scans/scans.db\nmode: convert\n")
    completed = run_dcmflow("run", tmp_path / "job.yaml", "--progress", "none", check=0)
    assert "3 stored, 0 failed, 0 pending of 3 items" in completed.stdout
