"""Office documents (.doc, .docx, .rtf, .odt, .txt) through warm LibreOffice workers: pages
rendered as frames whose count equals the page count of LibreOffice's own PDF as poppler
counts it; dciodvfy clean; a document LibreOffice cannot open fails alone; Chinese text is
set in a CJK font (fonts-wqy-microhei), not boxes."""

import json
import os
import pathlib
import re
import subprocess

import pydicom
import pytest

from dcmflow_testing import CORPUS, dciodvfy_errors, dcmflow_binary, run_dcmflow

FOLDERS = [CORPUS / "doc", CORPUS / "docx", CORPUS / "rtf-odt"]
# LibreOffice 7.4 refuses these: the first through LibreOfficeKit only, the second even
# with `soffice --convert-to pdf`. They must fail alone, with LibreOffice's reason.
LIBREOFFICE_REFUSES = {"mammoth-comments.docx", "pandoc-image.rtf"}

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def pdf_pages(pdf_bytes, scratch, name):
    path = pathlib.Path(scratch) / f"{name}.pdf"
    path.write_bytes(pdf_bytes)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE).group(1))


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("office")
    completed = run_dcmflow("convert", *FOLDERS, "-o", out, "--also-pdf", "--set", "PatientID=DOC",
                            "--office-workers", "2")
    report = json.loads((out / "report.json").read_text())
    return out, completed, {pathlib.Path(item["input"]).name: item for item in report["items"]}


@needs_corpus
def test_every_document_converts_but_those_libreoffice_refuses(converted):
    _, completed, items = converted
    assert completed.returncode == 1
    for name, item in items.items():
        if name in LIBREOFFICE_REFUSES:
            assert item["status"] == "failed"
            assert item["error"].startswith("cannot convert document: cannot open the document")
        else:
            assert item["status"] == "ok", (name, item["error"])
    assert len(items) >= 25


@needs_corpus
def test_frames_match_the_page_count_of_libreoffices_pdf(converted, tmp_path):
    out, _, items = converted
    for name, item in items.items():
        if item["status"] != "ok":
            continue
        datasets = [pydicom.dcmread(out / path) for path in item["outputs"]]
        documents = [d for d in datasets if d.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1"]
        pages = [d for d in datasets if d.SOPClassUID != "1.2.840.10008.5.1.4.1.1.104.1"]
        assert len(documents) == 1, name
        pdf = documents[0].EncapsulatedDocument[:documents[0].EncapsulatedDocumentLength]
        frames = sum(int(getattr(d, "NumberOfFrames", 1) or 1) for d in pages)
        assert frames == pdf_pages(pdf, tmp_path, pathlib.Path(name).stem), name
        for path in item["outputs"]:
            assert dciodvfy_errors(out / path) == [], (name, path)


@needs_corpus
def test_page_counts_agree_with_a_separate_soffice_conversion(converted, tmp_path):
    out, _, items = converted
    sample = [CORPUS / "docx" / "pandoc-headers.docx", CORPUS / "doc" / "abiword-Word97Test.doc",
              CORPUS / "rtf-odt" / "libreoffice-idxexample.odt"]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "soffice"), *map(str, sample)], capture_output=True, check=True,
                   timeout=300)
    for document in sample:
        soffice_pdf = (tmp_path / "soffice" / (document.stem + ".pdf")).read_bytes()
        item = items[document.name]
        frames = sum(int(getattr(pydicom.dcmread(out / p), "NumberOfFrames", 1) or 1) for p in item["outputs"]
                     if pydicom.dcmread(out / p, stop_before_pixels=True).SOPClassUID != "1.2.840.10008.5.1.4.1.1.104.1")
        assert frames == pdf_pages(soffice_pdf, tmp_path, "soffice-" + document.stem), document.name


def test_chinese_text_is_set_in_a_cjk_font(tmp_path):
    report = tmp_path / "报告.txt"
    report.write_text("放射科报告\n患者：王小东\n印象：未见急性心肺异常。\n", encoding="utf-8")
    run_dcmflow("convert", report, "-o", tmp_path / "out", "--also-pdf", "--set", "PatientID=CN", check=0)
    outputs = sorted((tmp_path / "out").rglob("*.dcm"))
    document = next(pydicom.dcmread(p) for p in outputs
                    if pydicom.dcmread(p, stop_before_pixels=True).SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(document.EncapsulatedDocument[:document.EncapsulatedDocumentLength])
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts, fonts


def test_a_document_named_in_chinese_converts_under_the_c_locale(tmp_path):
    """A bare machine, a container or cron runs with LANG unset: LibreOffice could not name
    "报告.docx" in ASCII and failed with "type detection failed". '#' and '%' are URL syntax."""
    report = tmp_path / "胸部 报告 #1 100%.txt"
    report.write_text("放射科报告\n印象：未见急性心肺异常。\n", encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LC_") and key != "LANG"}
    completed = subprocess.run([dcmflow_binary(), "convert", str(report), "-o", str(tmp_path / "out"),
                                "--set", "PatientID=CN"], capture_output=True, text=True, timeout=300,
                               env=dict(environment, LC_ALL="C"))
    assert completed.returncode == 0, completed.stderr
    (output,) = (tmp_path / "out").rglob("*.dcm")
    assert pydicom.dcmread(output).pixel_array.min() < 128  # a page with text on it


def office_workers():
    """pid -> parent pid of every dcmflow-office-worker running."""
    found = {}
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"dcmflow-office-worker" not in (proc / "cmdline").read_bytes().split(b"\0")[0]:
                continue
            found[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    return found


def test_workers_die_with_a_killed_run_and_leave_no_temporary_folders(tmp_path):
    import signal
    import time
    subprocess.run(["/usr/bin/python3", pathlib.Path(os.environ["DCMFLOW_SOURCE_DIR"]) / "datasets" / "make_documents.py",
                    tmp_path / "docs", "--count", "12"], check=True)
    job = tmp_path / "job.yaml"
    job.write_text("inputs: [docs]\nattributes: {PatientID: KILL}\ndestinations: [file://out]\n"
                   "rasterise: {office_workers: 2}\n")
    leftovers_before = set(pathlib.Path("/tmp").glob("lu*.tmp"))
    run = subprocess.Popen([dcmflow_binary(), "run", str(job), "--progress", "none"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(parent == run.pid for parent in office_workers().values()):
        assert time.monotonic() < deadline and run.poll() is None, "no LibreOffice worker started"
        time.sleep(0.05)
    workers = [pid for pid, parent in office_workers().items() if parent == run.pid]
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while any(pid in office_workers() for pid in workers):
        assert time.monotonic() < deadline, f"workers {workers} outlived their run"
        time.sleep(0.05)
    # A later run cleans what the killed one could not, and LibreOffice's own temporary
    # folders were in it.
    subprocess.run([dcmflow_binary(), "run", str(job), "--progress", "none"], capture_output=True, check=True)
    assert not (pathlib.Path("/tmp") / f"dcmflow-{run.pid}").exists()
    assert set(pathlib.Path("/tmp").glob("lu*.tmp")) <= leftovers_before


def test_a_text_of_hundreds_of_pages_arrives_whole_in_parts(tmp_path):
    """A 2.8 MB .txt renders to some 700 pages, more than one Pixel Data holds at 200 dpi in
    colour. It used to fail as "image too large", as if it were a picture, then as too many
    pages for one object. Now it arrives in instances of 64 pages, every page of the PDF
    LibreOffice made of it (the Encapsulated PDF beside them) a frame."""
    import random
    generator = random.Random(1)
    words = ["lung", "clear", "no", "acute", "findings", "chest"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.txt").write_text(
        "\n".join(" ".join(generator.choice(words) for _ in range(12)) for _ in range(40000)))
    run_dcmflow("convert", tmp_path / "in", "-o", tmp_path / "out", "--set", "PatientID=LONG", "--also-pdf",
                "--dpi", "50", "--codec", "rle", check=0)
    datasets = [pydicom.dcmread(path) for path in sorted((tmp_path / "out").rglob("*.dcm"))]
    images, (document,) = datasets[:-1], datasets[-1:]
    (tmp_path / "long.pdf").write_bytes(document.EncapsulatedDocument.rstrip(b"\0"))
    pages = int(re.search(r"^Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(tmp_path / "long.pdf")], check=True,
                                                               capture_output=True, text=True).stdout,
                          re.MULTILINE).group(1))
    assert pages > 600
    parts = [64] * (pages // 64) + ([pages % 64] if pages % 64 else [])
    assert [int(getattr(d, "NumberOfFrames", 1)) for d in images] == parts
    assert [int(d.InstanceNumber) for d in images] == list(range(1, len(images) + 1))
