"""dcmflow convert on generated sample images: valid DICOM whose decoded pixels equal the
source pixels, a failed item per bad input, and a report that lists every input."""

import json
import os
import pathlib

import numpy as np
import pydicom
import pytest

from dcmflow_testing import (dciodvfy_errors, expected_frames, expected_frames_of_page, run_dcmflow,
                             stored_frames)

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))

# input -> (SOP Class UID, Photometric Interpretation, bits allocated, frames)
SC = "1.2.840.10008.5.1.4.1.1.7"
EXPECTED = {
    "grey8.png": (SC, "MONOCHROME2", 8, 1),
    "grey16.png": (SC + ".3", "MONOCHROME2", 16, 1),
    "rgb.png": (SC, "RGB", 8, 1),
    "rgba.png": (SC, "RGB", 8, 1),
    "grey_alpha.png": (SC, "MONOCHROME2", 8, 1),
    "palette.png": (SC, "RGB", 8, 1),
    "palette_trns.png": (SC, "RGB", 8, 1),
    "photo.jpg": (SC, "RGB", 8, 1),
    "scan.bmp": (SC, "RGB", 8, 1),
    "anim.gif": (SC + ".4", "RGB", 8, 3),
    "lossless.webp": (SC, "RGB", 8, 1),
    "pages.tif": (SC + ".2", "MONOCHROME2", 8, 3),
    "pages_rgb.tif": (SC + ".4", "RGB", 8, 2),
}
BAD = ["truncated.png", "not_an_image.dat"]
MIXED_SIZES = "pages_mixed_sizes.tif"  # one instance per page


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    completed = run_dcmflow("convert", IMAGES, "-o", out, "--set", "PatientID=TEST-1",
                            "--set", "PatientName=Doe^John")
    report = json.loads((out / "report.json").read_text())
    return out, completed, {pathlib.Path(item["input"]).name: item for item in report["items"]}, report


def test_one_bad_input_fails_the_run_with_exit_1_and_names_the_file(converted):
    _, completed, _, _ = converted
    assert completed.returncode == 1, completed.stderr
    for name in BAD:
        line = next((l for l in completed.stderr.splitlines() if l.startswith(str(IMAGES / name))), None)
        assert line is not None, completed.stderr
        assert ": cannot read image: " in line


def test_report_lists_every_input_with_its_outcome(converted):
    out, _, items, report = converted
    assert set(items) == set(EXPECTED) | set(BAD) | {MIXED_SIZES}
    for name in EXPECTED:
        assert items[name]["status"] == "ok"
        assert items[name]["error"] is None
        assert len(items[name]["outputs"]) == 1
        assert (out / items[name]["outputs"][0]).is_file()
    for name in BAD:
        assert items[name]["status"] == "failed"
        assert items[name]["error"].startswith("cannot read image: ")
        assert items[name]["outputs"] == []
    assert report["summary"]["total"] == len(EXPECTED) + len(BAD) + 1
    assert report["summary"]["ok"] == len(EXPECTED) + 1
    assert report["summary"]["failed"] == len(BAD)
    assert not list(out.glob("*.part")), "no partial files may remain"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_output_is_valid_dicom_with_the_source_pixels(converted, name):
    out, _, items, _ = converted
    path = out / items[name]["outputs"][0]
    dataset = pydicom.dcmread(path)
    sop_class, photometric, bits, frames = EXPECTED[name]
    assert dataset.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert dataset.SOPClassUID == sop_class
    assert dataset.file_meta.MediaStorageSOPClassUID == sop_class
    assert dataset.PhotometricInterpretation == photometric
    assert dataset.BitsAllocated == bits
    assert dataset.ConversionType == "WSD"
    assert dataset.PatientID == "TEST-1"
    assert str(dataset.PatientName) == "Doe^John"
    assert int(getattr(dataset, "NumberOfFrames", 1)) == frames
    for uid in (dataset.StudyInstanceUID, dataset.SeriesInstanceUID, dataset.SOPInstanceUID):
        assert uid.startswith("2.25.") and len(uid) <= 64
    assert dataset.LossyImageCompression == ("01" if name.endswith(".jpg") else "00")

    expected = expected_frames(IMAGES / name)
    stored = stored_frames(dataset)
    assert stored.shape == expected.shape
    assert stored.dtype.itemsize == expected.dtype.itemsize
    assert np.array_equal(stored, expected), f"{name}: pixels differ"

    assert dciodvfy_errors(path) == []


def test_every_output_has_its_own_uids(converted):
    out, _, items, _ = converted
    uids = [pydicom.dcmread(out / items[n]["outputs"][0], stop_before_pixels=True).SOPInstanceUID
            for n in EXPECTED]
    assert len(set(uids)) == len(uids)


def test_pages_of_different_sizes_become_one_instance_each_in_one_series(converted):
    out, _, items, _ = converted
    item = items[MIXED_SIZES]
    assert item["status"] == "ok"
    assert item["outputs"] == ["pages_mixed_sizes/pages_mixed_sizes-0001.dcm",
                               "pages_mixed_sizes/pages_mixed_sizes-0002.dcm"]
    assert any("differ in size" in note for note in item["notes"])
    expected = [expected_frames_of_page(IMAGES / MIXED_SIZES, page) for page in range(2)]
    datasets = [pydicom.dcmread(out / path) for path in item["outputs"]]
    assert datasets[0].SeriesInstanceUID == datasets[1].SeriesInstanceUID
    assert datasets[0].StudyInstanceUID == datasets[1].StudyInstanceUID
    assert [int(d.InstanceNumber) for d in datasets] == [1, 2]
    for dataset, page in zip(datasets, expected):
        assert np.array_equal(stored_frames(dataset)[0], page)
    for path in item["outputs"]:
        assert dciodvfy_errors(out / path) == []


def test_per_page_gives_one_single_frame_instance_per_page_in_one_series(tmp_path):
    run_dcmflow("convert", IMAGES / "pages.tif", "-o", tmp_path, "--per-page", "--set", "PatientID=P", check=0)
    paths = sorted((tmp_path / "pages").glob("*.dcm"))
    assert [p.name for p in paths] == ["pages-0001.dcm", "pages-0002.dcm", "pages-0003.dcm"]
    expected = expected_frames(IMAGES / "pages.tif")
    datasets = [pydicom.dcmread(p) for p in paths]
    assert len({d.SeriesInstanceUID for d in datasets}) == 1
    assert len({d.SOPInstanceUID for d in datasets}) == 3
    for index, dataset in enumerate(datasets):
        assert dataset.SOPClassUID == SC
        assert [int(dataset.InstanceNumber)] == [index + 1]
        assert np.array_equal(stored_frames(dataset)[0], expected[index])
        assert dciodvfy_errors(paths[index]) == []


def test_per_page_and_multiframe_exclude_each_other(tmp_path):
    run_dcmflow("convert", IMAGES / "pages.tif", "-o", tmp_path, "--per-page", "--multiframe", check=2)
