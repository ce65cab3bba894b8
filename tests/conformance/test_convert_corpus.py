"""dcmflow convert on real third-party images from ../shared/corpus: every image converts
to valid DICOM with the pixels an independent decoder (Pillow) sees, and every broken file
fails alone with a message naming it."""

import json
import pathlib

import numpy as np
import pydicom
import pytest

from dcmflow_testing import (CORPUS, dciodvfy_errors, expected_frames, expected_frames_of_page, page_count,
                             run_dcmflow, stored_frames)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")

# Written by tifffile with a layout neither libvips nor Pillow reads ("samples out of range"):
# it must fail with a message, like any unreadable input.
UNREADABLE = {"skimage-multipage_rgb.tif"}
IMAGES = sorted(p for p in CORPUS.glob("images/*") if p.name not in UNREADABLE) if CORPUS.is_dir() else []
BROKEN_IMAGES = ["bmpsuite-shortfile.bmp", "libpng-badcrc.png", "skimage-truncated.jpg"]
# 16-bit colour becomes 8-bit (noted in the report); Pillow itself reads 16-bit RGB PNG as
# 8-bit by a different rounding, so that one is checked for shape and validity only.
PIXELS_NOT_COMPARED = {"pngsuite-basn2c16.png"}


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    completed = run_dcmflow("convert", CORPUS / "images", "-o", out, "--set", "PatientID=CORPUS")
    report = json.loads((out / "report.json").read_text())
    return out, completed, {pathlib.Path(item["input"]).name: item for item in report["items"]}


def test_every_readable_corpus_image_converts_and_the_unreadable_one_fails(converted):
    _, completed, items = converted
    assert completed.returncode == 1, completed.stderr
    assert set(items) == {path.name for path in IMAGES} | UNREADABLE
    for name, item in items.items():
        assert item["status"] == ("failed" if name in UNREADABLE else "ok"), (name, item["error"])
    for name in UNREADABLE:
        assert f"{name}: cannot read image: " in completed.stderr


@pytest.mark.parametrize("source", IMAGES, ids=lambda p: p.name)
def test_corpus_image_keeps_its_pixels_and_is_valid(converted, source):
    out, _, items = converted
    outputs = items[source.name]["outputs"]
    datasets = [pydicom.dcmread(out / path) for path in outputs]
    if source.name in PIXELS_NOT_COMPARED:
        assert any("16-bit colour" in note for note in items[source.name]["notes"])
    elif len(outputs) == 1:
        expected = expected_frames(source)
        stored = stored_frames(datasets[0])
        assert stored.shape == expected.shape
        assert np.array_equal(stored, expected), f"{source.name}: pixels differ"
    else:  # pages of different sizes: one instance per page
        assert len(outputs) == page_count(source)
        for page, dataset in enumerate(datasets):
            assert np.array_equal(stored_frames(dataset)[0], expected_frames_of_page(source, page))
    for path in outputs:
        assert dciodvfy_errors(out / path) == []


def test_broken_images_fail_alone_with_a_clear_message(tmp_path):
    inputs = [CORPUS / "bad" / name for name in BROKEN_IMAGES] + [CORPUS / "images" / "pngsuite-basn0g16.png"]
    completed = run_dcmflow("convert", *inputs, "-o", tmp_path, "--set", "PatientID=CORPUS", check=1)
    for name in BROKEN_IMAGES:
        assert any(line.startswith(str(CORPUS / "bad" / name) + ": cannot read image: ")
                   for line in completed.stderr.splitlines()), (name, completed.stderr)
    report = json.loads((tmp_path / "report.json").read_text())
    statuses = {pathlib.Path(item["input"]).name: item["status"] for item in report["items"]}
    assert statuses == {**{name: "failed" for name in BROKEN_IMAGES}, "pngsuite-basn0g16.png": "ok"}


def test_tiff_whose_directory_points_to_itself_gives_its_one_page_and_stops(tmp_path):
    # libtiff detects the loop; the first directory is a whole image and is kept.
    run_dcmflow("convert", CORPUS / "bad" / "libtiff-test_ifd_loop_to_self.tif", "-o", tmp_path,
                "--set", "PatientID=CORPUS", check=0)
    dataset = pydicom.dcmread(tmp_path / "libtiff-test_ifd_loop_to_self.dcm")
    assert int(getattr(dataset, "NumberOfFrames", 1)) == 1
