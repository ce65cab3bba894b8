"""Hostile input is contained. The files of tests/hostile/make_hostile.py (the classes of the
readers' CVEs and every file that once crashed dcmflow: GDCM and OpenJPEG assertions, stack
overflows, pixel floods, zip-slip, PDF loops) go through every command that reads files:
each ends failed with a reason that names the file, or converted faithfully; no dcmflow
process ends on a signal; peak memory stays under a stated bound; and the good files of the
same run still convert."""

import json
import pathlib
import resource
import shutil
import subprocess

import numpy as np
import pydicom
import pytest
from PIL import Image

from dcmflow_testing import SOURCE_DIR, dcmflow_binary, decode_with_dcmtk, run_dcmflow
from peer_fixtures import storescp  # noqa: F401 (fixture)

# Peak resident memory of any one process (dcmflow or a helper) over the whole module: the
# floods declare gigabytes in a few bytes. AddressSanitizer's shadow and quarantine add their own.
def _sanitized() -> bool:
    symbols = subprocess.run(["readelf", "-s", "--wide", str(pathlib.Path(dcmflow_binary()).with_name("dcmflow-all"))],
                             capture_output=True, text=True).stdout
    return "__asan_init" in symbols


PEAK_RSS_BOUND_MB = 4096 if _sanitized() else 2048


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    subprocess.run(["/usr/bin/python3", str(SOURCE_DIR / "tests" / "hostile" / "make_hostile.py"), str(folder)],
                   check=True)
    catalogue = json.loads((folder / "catalogue.json").read_text())
    (folder / "catalogue.json").unlink()
    return folder, catalogue


def good_images(folder: pathlib.Path, count=3):
    folder.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(7)
    for index in range(count):
        Image.fromarray(generator.integers(0, 256, (48, 64), dtype=np.uint8), "L").save(folder / f"good-{index}.png")


def word_document_with_harmless_links(path: pathlib.Path):
    """A report as Word saves it: a hyperlink and an attached template, both outside the
    document and neither rendered. It must convert."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    document = docx.Document()
    paragraph = document.add_paragraph("Chest CT: no acute findings. See ")
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), document.part.relate_to("http://example.org/guideline", RELATIONSHIP_TYPE.HYPERLINK,
                                                 is_external=True))
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "the guideline"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    settings = document.part._settings_part  # python-docx has no public way to attach a template
    template = OxmlElement("w:attachedTemplate")
    template.set(qn("r:id"), settings.relate_to("file:///C:/Users/radiology/Normal.dotm",
                                                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate", is_external=True))
    settings.element.insert(0, template)
    document.save(path)


def assert_no_signal(completed, what):
    assert completed.returncode >= 0, f"{what}: killed by signal {-completed.returncode}\n{completed.stderr[-2000:]}"
    assert completed.returncode in (0, 1), f"{what}: exit {completed.returncode}\n{completed.stderr[-2000:]}"


def assert_peak_memory_bounded():
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < PEAK_RSS_BOUND_MB, f"a process reached {peak_mb:.0f} MB"


def outcomes(report_file: pathlib.Path) -> dict:
    report = json.loads(report_file.read_text())
    return {pathlib.PurePath(item["input"].split("!")[0]).name: item for item in report["items"]}


def check_outcome(name, item, expectation, output_folder):
    if expectation == "fail":
        assert item["status"] == "failed", f"{name} was not refused: {item}"
        assert item["error"], f"{name} failed without a reason"
        return
    assert item["status"] == "ok", f"{name}: {item.get('error')}"


def test_transcode_refuses_or_reads_every_hostile_dicom_file_and_converts_the_good_ones(hostile, tmp_path):
    folder, catalogue = hostile
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, entry in catalogue.items():
        if entry["kind"] == "dicom":
            shutil.copy(folder / name, inputs / name)
    good_images(tmp_path / "png")
    subprocess.run([dcmflow_binary(), "convert", str(tmp_path / "png"), "-o", str(inputs), "--set", "PatientID=GOOD"],
                   check=True, capture_output=True)
    (inputs / "report.json").unlink()
    completed = run_dcmflow("transcode", inputs, "-o", tmp_path / "out", "--codec", "jpegls")
    assert_no_signal(completed, "transcode")
    assert completed.returncode == 1
    results = outcomes(tmp_path / "out" / "report.json")
    for name, entry in catalogue.items():
        if entry["kind"] != "dicom":
            continue
        assert name in results, f"{name} is missing from the report"
        check_outcome(name, results[name], entry["expect"], tmp_path / "out")
        if entry["expect"] == "convert":
            source = pydicom.dcmread(folder / name).pixel_array
            written = decode_with_dcmtk(tmp_path / "out" / name, tmp_path)
            assert np.array_equal(written.reshape(source.shape), source), name
    for index in range(3):
        assert results[f"good-{index}.dcm"]["status"] == "ok"
    # Every refusal says what happened; a crash says which signal and in which step.
    assert "killed by SIGABRT while reading the DICOM file" in results["preamble-dicm-only.dcm"]["error"]
    assert "(High-Throughput JPEG 2000" in results["htj2k-ht-decoder-assertion.dcm"]["error"]
    assert "JPEG 2000" in results["j2k-carrying-ht-codeblocks.dcm"]["error"]
    # A library's own words come only inside the line of the file they concern.
    for line in completed.stderr.splitlines():
        if "Assertion" in line:
            assert line.startswith(str(inputs)), line
    assert_peak_memory_bounded()


def test_convert_refuses_every_hostile_image_pdf_and_archive_and_converts_the_good_ones(hostile, tmp_path):
    folder, catalogue = hostile
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, entry in catalogue.items():
        if entry["kind"] != "dicom":
            shutil.copy(folder / name, inputs / name)
    good_images(inputs)
    word_document_with_harmless_links(inputs / "linked-but-only-by-hyperlink-and-template.docx")
    # A script LibreOffice never runs, and text that only looks like stylesheet syntax.
    (inputs / "report-with-script.html").write_text(
        '<html><head><script src="app.js"></script></head><body><p>Chest CT: no acute findings. '
        "Questions: radiology@imports.example, or see url(notes) in the archive.</p></body></html>")
    completed = run_dcmflow("convert", inputs, "-o", tmp_path / "out", "--set", "PatientID=HOSTILE")
    assert_no_signal(completed, "convert")
    assert completed.returncode == 1
    results = outcomes(tmp_path / "out" / "report.json")
    for name, entry in catalogue.items():
        if entry["kind"] == "dicom":
            continue
        assert name in results, f"{name} is missing from the report"
        check_outcome(name, results[name], entry["expect"], tmp_path / "out")
    for index in range(3):
        assert results[f"good-{index}.png"]["status"] == "ok"
    # Documents with links to outside content or bombs never reach LibreOffice; the reason
    # names the kind of link, never its target (a path may name a patient).
    for name, entry in catalogue.items():
        if entry["kind"] == "office":
            error = results[name]["error"]
            assert "outside itself" in error or "inflates" in error, (name, error)
            assert "debian-logo" not in error and "pixmaps" not in error, error
    assert results["linked-but-only-by-hyperlink-and-template.docx"]["status"] == "ok"
    assert results["report-with-script.html"]["status"] == "ok", results["report-with-script.html"]
    assert "expands more than 2000 times" in results["tar-bz2-bomb.tar.bz2"]["error"]
    assert not list(tmp_path.rglob("escaped.png")) and not (tmp_path.parent / "escaped.png").exists()
    assert_peak_memory_bounded()


def test_validate_preview_and_store_survive_every_hostile_dicom_file(hostile, tmp_path):
    folder, catalogue = hostile
    for name, entry in catalogue.items():
        if entry["kind"] != "dicom":
            continue
        validated = run_dcmflow("validate", folder / name)
        assert_no_signal(validated, f"validate {name}")
        if entry["expect"] == "fail":
            assert validated.returncode == 1, f"validate {name}: no problem found\n{validated.stdout}"
            assert f"{name}:" in validated.stdout
        # A viewer may show what it can read (intact pixels behind a malformed sequence);
        # otherwise it names the file and why.
        previewed = run_dcmflow("preview", folder / name, "-o", tmp_path / (name + ".png"))
        assert_no_signal(previewed, f"preview {name}")
        if previewed.returncode == 0:
            assert (tmp_path / (name + ".png")).stat().st_size > 0
        else:
            assert str(folder / name) + ": " in previewed.stderr, (name, previewed.stderr)
        stored = run_dcmflow("store", "--to", f"file://{tmp_path / 'stored'}", folder / name)
        assert stored.returncode >= 0, f"store {name}: killed by signal {-stored.returncode}"
    # What `store` copies keeps no preamble of the source (an executable header, CVE-2019-11687).
    for copied in (tmp_path / "stored").rglob("*.dcm"):
        assert copied.read_bytes()[:128] == bytes(128), copied.name
    assert_peak_memory_bounded()


def test_a_job_with_a_damaged_htj2k_file_stores_the_rest_on_its_first_run(hostile, tmp_path):
    """The issue's own case: a folder of three good images and the HTJ2K file OpenJPEG's HT
    decoder asserts on ends with 3 stored and 1 failed, exit 1 and a report, on the first run."""
    folder, _ = hostile
    good_images(tmp_path / "inputs")
    shutil.copy(folder / "htj2k-ht-decoder-assertion.dcm", tmp_path / "inputs" / "damaged.dcm")
    job = tmp_path / "job.yaml"
    job.write_text("inputs: [inputs]\nmode: auto\nattributes: {PatientID: P-HOSTILE}\n"
                   "destinations: [file://out]\nthreads: 2\n")
    completed = run_dcmflow("run", job, "--progress", "none")
    assert_no_signal(completed, "run")
    assert completed.returncode == 1
    assert "3 stored, 1 failed, 0 pending of 4 items" in completed.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    failed = [item for item in report["items"] if item["status"] == "failed"]
    assert [item["input"] for item in failed] == ["inputs/damaged.dcm"]
    # Decoded by dcmflow's own HTJ2K decoder (the one its fuzzer drives), in a helper: the
    # library's abort is a refusal of this frame.
    assert failed[0]["error"].startswith("cannot decode frame 1 (High-Throughput JPEG 2000"), failed[0]["error"]
    assert all("Assertion" not in line or "damaged.dcm" in line for line in completed.stderr.splitlines())
    assert (tmp_path / "out" / "report.html").exists()


@pytest.mark.feeds_faulty_objects
def test_mutants_of_good_files_in_every_syntax_fail_or_convert_and_never_crash_the_run(tmp_path):
    """Part 10 bytes -> dataset -> pixels, the path real files take, driven by a seeded
    mutation sweep: good files in every syntax dcmflow writes, each damaged a few hundred
    ways (bytes flipped, lengths changed, tails cut). Every mutant ends in the report as
    converted or failed with a reason, and no process ends on a signal."""
    good_images(tmp_path / "png", count=1)
    sources = tmp_path / "sources"
    for codec in ("none", "rle", "jpegls", "j2k", "htj2k", "jpeg:90", "deflate"):
        out = tmp_path / f"made-{codec.replace(':', '')}"
        subprocess.run([dcmflow_binary(), "convert", str(tmp_path / "png"), "-o", str(out), "--codec", codec,
                        "--set", "PatientID=MUTANT"], check=True, capture_output=True)
        sources.mkdir(exist_ok=True)
        shutil.copy(out / "good-0.dcm", sources / f"{codec.replace(':', '')}.dcm")
    generator = np.random.default_rng(20261203)
    mutants = tmp_path / "mutants"
    mutants.mkdir()
    for source in sorted(sources.iterdir()):
        data = source.read_bytes()
        for index in range(40):
            damaged = bytearray(data)
            kind = index % 4
            if kind == 0:  # a few bytes anywhere
                for at in generator.integers(0, len(damaged), size=4):
                    damaged[at] = int(generator.integers(0, 256))
            elif kind == 1:  # a 4-byte field set to a large length
                at = int(generator.integers(132, len(damaged) - 4))
                damaged[at:at + 4] = int(generator.choice([0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x10000])).to_bytes(4, "little")
            elif kind == 2:  # the tail cut
                damaged = damaged[:int(generator.integers(132, len(damaged)))]
            else:  # bytes of the pixel data region flipped
                start = len(damaged) * 3 // 4
                for at in generator.integers(start, len(damaged), size=16):
                    damaged[at] ^= 0xFF
            (mutants / f"{source.stem}-{index:02d}.dcm").write_bytes(bytes(damaged))
    completed = run_dcmflow("transcode", mutants, "-o", tmp_path / "out", "--codec", "jpegls")
    assert_no_signal(completed, "transcode of mutants")
    results = outcomes(tmp_path / "out" / "report.json")
    assert len(results) == 7 * 40
    for name, item in results.items():
        assert item["status"] in ("ok", "failed"), (name, item)
        if item["status"] == "failed":
            assert item["error"], name
    assert_peak_memory_bounded()


def test_store_decodes_for_a_peer_that_refuses_compression_in_a_helper(hostile, storescp, tmp_path):
    """`dcmflow store` decodes a file only when a peer refuses its syntax: that decoding, too,
    runs in a helper. The HTJ2K file OpenJPEG's HT decoder asserts on fails alone; the good
    HTJ2K files are received uncompressed."""
    folder, _ = hostile
    inputs = tmp_path / "inputs"
    good_images(tmp_path / "png")
    subprocess.run([dcmflow_binary(), "convert", str(tmp_path / "png"), "-o", str(inputs), "--codec", "htj2k",
                    "--set", "PatientID=GOOD"], check=True, capture_output=True)
    (inputs / "report.json").unlink()
    shutil.copy(folder / "htj2k-ht-decoder-assertion.dcm", inputs / "damaged.dcm")
    completed = run_dcmflow("store", inputs, "--to", storescp.url, "--associations", "1")
    assert_no_signal(completed, "store")
    assert completed.returncode == 1
    assert "damaged.dcm: " in completed.stderr and "(High-Throughput JPEG 2000" in completed.stderr, completed.stderr
    assert len(storescp.files()) == 3
