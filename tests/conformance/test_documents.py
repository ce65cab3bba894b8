"""PDF documents: every page rendered (libvips/poppler) at --dpi into one multi-frame
instance whose frame count is the page count poppler's pdfinfo gives, grey when every page
is grey, with its Pixel Spacing; --also-pdf adds the document itself as an Encapsulated PDF in
the same study, byte for byte; dciodvfy is clean on all of it; broken PDFs fail alone."""

import os
import pathlib
import re
import subprocess
import tempfile

import numpy as np
import pydicom
import pytest
from PIL import Image

from dcmflow_testing import CORPUS, SOURCE_DIR, dcmflow_binary, dciodvfy_errors, run_dcmflow

PDFS = sorted((CORPUS / "pdf").glob("*.pdf")) if CORPUS.is_dir() else []


def page_count(pdf):
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE).group(1))


@pytest.fixture(scope="module")
def grey_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("made")
    pages = [Image.fromarray((np.indices((300, 200)).sum(axis=0) * (i + 1) % 256).astype(np.uint8), "L")
             for i in range(3)]
    path = folder / "three_grey_pages.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=100)
    return path


def frames_of(dataset):
    return int(getattr(dataset, "NumberOfFrames", 1) or 1)


@pytest.mark.skipif(not PDFS, reason=f"shared corpus not found at {CORPUS}")
def test_corpus_pdfs_become_one_frame_per_page_and_an_encapsulated_pdf(tmp_path):
    completed = run_dcmflow("convert", *PDFS, "-o", tmp_path, "--also-pdf", "--set", "PatientID=DOC-1")
    assert completed.returncode == 0, completed.stderr
    for pdf in PDFS:
        outputs = sorted((tmp_path / pdf.stem).glob("*.dcm"))
        datasets = [pydicom.dcmread(p) for p in outputs]
        pages = [d for d in datasets if d.SOPClassUID != "1.2.840.10008.5.1.4.1.1.104.1"]
        documents = [d for d in datasets if d.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1"]
        assert sum(frames_of(d) for d in pages) == page_count(pdf), pdf.name
        assert len(documents) == 1
        document = documents[0]
        assert document.MIMETypeOfEncapsulatedDocument == "application/pdf"
        assert document.EncapsulatedDocument[:document.EncapsulatedDocumentLength] == pdf.read_bytes()
        assert {d.StudyInstanceUID for d in datasets} == {document.StudyInstanceUID}
        assert all(d.SeriesInstanceUID != document.SeriesInstanceUID for d in pages)
        for page in pages:
            assert [float(v) for v in page.PixelSpacing] == pytest.approx([25.4 / 200] * 2)
        for path in outputs:
            assert dciodvfy_errors(path) == [], path


def test_grey_pages_stay_grey_and_dpi_sets_size_and_spacing(grey_pdf, tmp_path):
    run_dcmflow("convert", grey_pdf, "-o", tmp_path / "200", "--set", "PatientID=P", check=0)
    run_dcmflow("convert", grey_pdf, "-o", tmp_path / "100", "--set", "PatientID=P", "--dpi", "100", check=0)
    at_200 = pydicom.dcmread(tmp_path / "200" / "three_grey_pages.dcm")
    at_100 = pydicom.dcmread(tmp_path / "100" / "three_grey_pages.dcm")
    assert frames_of(at_200) == 3 == page_count(grey_pdf)
    assert at_200.PhotometricInterpretation == "MONOCHROME2"
    assert at_200.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7.2"
    # The pages are 300x200 pixels at 100 dpi: 3x2 inches.
    assert (at_100.Rows, at_100.Columns) == (300, 200)
    assert (at_200.Rows, at_200.Columns) == (600, 400)
    assert [float(v) for v in at_100.PixelSpacing] == pytest.approx([0.254, 0.254])
    assert dciodvfy_errors(tmp_path / "200" / "three_grey_pages.dcm") == []


@pytest.mark.skipif(not PDFS, reason=f"shared corpus not found at {CORPUS}")
def test_color_option_forces_grey_or_rgb(tmp_path, grey_pdf):
    colour_pdf = CORPUS / "pdf" / "pypdf-multilang.pdf"
    run_dcmflow("convert", colour_pdf, "-o", tmp_path / "auto", "--set", "PatientID=P", check=0)
    run_dcmflow("convert", colour_pdf, "-o", tmp_path / "gray", "--set", "PatientID=P", "--color", "gray", check=0)
    run_dcmflow("convert", grey_pdf, "-o", tmp_path / "rgb", "--set", "PatientID=P", "--color", "rgb", check=0)
    assert pydicom.dcmread(tmp_path / "auto" / "pypdf-multilang.dcm").PhotometricInterpretation == "RGB"
    assert pydicom.dcmread(tmp_path / "gray" / "pypdf-multilang.dcm").PhotometricInterpretation == "MONOCHROME2"
    assert pydicom.dcmread(tmp_path / "rgb" / "three_grey_pages.dcm").PhotometricInterpretation == "RGB"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
def test_encrypted_and_broken_pdfs_fail_alone(tmp_path, grey_pdf):
    encrypted = CORPUS / "bad" / "forensics-a-text-pass-peanuts.pdf"
    broken = CORPUS / "bad" / "pdf-parse-03-invalid.pdf"
    completed = run_dcmflow("convert", encrypted, broken, grey_pdf, "-o", tmp_path, "--set", "PatientID=P", check=1)
    assert f"{encrypted}: cannot render PDF: " in completed.stderr and "encrypted" in completed.stderr
    assert f"{broken}: cannot render PDF: " in completed.stderr
    assert (tmp_path / "three_grey_pages.dcm").is_file()


def blank_pdf(path, pages, width_pt=612, height_pt=792):
    """A PDF of `pages` empty pages, written directly (a 10,000-page PDF in a few MB)."""
    subprocess.run(["/usr/bin/python3", SOURCE_DIR / "datasets" / "make_long_pdf.py", path, "--pages", str(pages),
                    "--blank", "--size", str(width_pt), str(height_pt)], check=True)


def peak_rss_kib(*args):
    """dcmflow's peak resident memory, or its decode helpers' when larger (wait4 reports the
    largest of a process and the children it waited for, as /usr/bin/time does)."""
    # An ASan build holds up to 256 MB of freed memory back from reuse, so a run that frees
    # more looks larger by that much: measure the program, not the checker's quarantine.
    # Other builds ignore ASAN_OPTIONS.
    asan_options = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=16"]))
    environment = {**os.environ, "ASAN_OPTIONS": asan_options}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([dcmflow_binary(), *map(str, args)], stdout=subprocess.DEVNULL, stderr=errors,
                                   env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        assert process.returncode == 0, errors.read().decode(errors="replace")
    return usage.ru_maxrss  # KiB on Linux


def instances_in_order(folder):
    """The instances made of one input, in the order of their names (-0001, -0002...)."""
    return [pydicom.dcmread(path) for path in sorted(folder.rglob("*.dcm"))]


def test_a_pdf_of_10000_pages_arrives_whole_in_bounded_memory(tmp_path):
    """libvips' page count answers 1 for 10,000 pages or more: the document became one frame
    with status ok. Then every page was opened at once, each open parsing the whole document:
    memory grew with the square of the pages. Now the pages come a part at a time, 64 frames
    an instance, and memory is what a part takes."""
    blank_pdf(tmp_path / "long.pdf", 10000)
    blank_pdf(tmp_path / "short.pdf", 64)
    assert page_count(tmp_path / "long.pdf") == 10000
    common = ["--set", "PatientID=LONG", "--dpi", "25", "--codec", "rle"]
    short_kib = peak_rss_kib("convert", tmp_path / "short.pdf", "-o", tmp_path / "short", *common)
    long_kib = peak_rss_kib("convert", tmp_path / "long.pdf", "-o", tmp_path / "long", *common)
    datasets = instances_in_order(tmp_path / "long")
    assert [int(d.NumberOfFrames) for d in datasets] == [64] * 156 + [16]
    assert [int(d.InstanceNumber) for d in datasets] == list(range(1, 158))
    assert len({d.SOPInstanceUID for d in datasets}) == 157
    assert len({(d.StudyInstanceUID, d.SeriesInstanceUID) for d in datasets}) == 1
    # One part of 64 pages at a time: as much as the 64-page document, whatever the length.
    assert long_kib < 2 * short_kib, (long_kib, short_kib)


def distinct_pages_pdf(path, sizes):
    """A PDF whose page `i` is an image of size `sizes[i]` at 100 dpi, its pattern its own."""
    pages = [Image.fromarray(((np.indices(size).sum(axis=0) * (i + 3) + 17 * i) % 256).astype(np.uint8), "L")
             for i, size in enumerate(sizes)]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=100)


def test_a_long_document_is_cut_into_instances_holding_every_page_in_order(tmp_path):
    """--frames-per-instance 4 over ten pages (the sixth of another size): parts of four
    pages, each an instance (or one per page where sizes differ), numbered on across the
    parts, in one series, each frame the page rendered alone; --also-pdf comes last."""
    sizes = [(300, 200)] * 5 + [(200, 300)] + [(300, 200)] * 4
    distinct_pages_pdf(tmp_path / "ten.pdf", sizes)
    common = ["--set", "PatientID=PARTS", "--dpi", "100"]
    run_dcmflow("convert", tmp_path / "ten.pdf", "-o", tmp_path / "parts", "--frames-per-instance", "4",
                "--also-pdf", *common, check=0)
    run_dcmflow("convert", tmp_path / "ten.pdf", "-o", tmp_path / "alone", "--frames-per-instance", "1", *common,
                check=0)
    parts = instances_in_order(tmp_path / "parts")
    images, document = parts[:-1], parts[-1]
    # Pages 1-4 | 5, 6, 7, 8 (sizes differ within the part) | 9-10.
    assert [int(getattr(d, "NumberOfFrames", 1)) for d in images] == [4, 1, 1, 1, 1, 2]
    assert [int(d.InstanceNumber) for d in images] == list(range(1, 7))
    assert sorted(path.name for path in (tmp_path / "parts").rglob("*.dcm")) == \
        [f"ten-{n:04d}.dcm" for n in range(1, 8)]
    assert document.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1"
    assert len({d.SeriesInstanceUID for d in images}) == 1
    assert len({d.StudyInstanceUID for d in parts}) == 1
    assert len({d.SOPInstanceUID for d in parts}) == 7

    frames = [frame for d in images for frame in (d.pixel_array if "NumberOfFrames" in d and int(d.NumberOfFrames) > 1
                                                  else [d.pixel_array])]
    alone = [d.pixel_array for d in instances_in_order(tmp_path / "alone")]
    assert len(frames) == len(alone) == 10
    for page, (frame, single) in enumerate(zip(frames, alone), start=1):
        assert frame.shape == sizes[page - 1], page
        assert np.array_equal(frame, single), f"page {page} differs from the page rendered alone"
    for path in (tmp_path / "parts").rglob("*.dcm"):
        assert dciodvfy_errors(path) == [], path


def test_every_page_of_a_blank_pdf_arrives(tmp_path):
    blank_pdf(tmp_path / "five.pdf", 5, 144, 144)
    run_dcmflow("convert", tmp_path / "five.pdf", "-o", tmp_path / "out", "--set", "PatientID=FIVE", check=0)
    (output,) = (tmp_path / "out").rglob("*.dcm")
    assert frames_of(pydicom.dcmread(output)) == 5 == page_count(tmp_path / "five.pdf")
