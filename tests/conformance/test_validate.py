"""dcmflow validate: values against their VRs (strictly: in DICOM's form) and the type 1 and
2 attributes of the IODs dcmflow writes; every problem printed with tag and keyword; exit 1
when there is any."""

import os
import pathlib

import pydicom
import pytest

from dcmflow_testing import CORPUS, crafted, run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("valid")
    run_dcmflow("convert", IMAGES / "grey8.png", IMAGES / "pages.tif", IMAGES / "grey16.png", "-o", out,
                "--set", "PatientID=V1", "--set", "PatientName=Wang^XiaoDong=王^小东=",
                "--codec", "jpegls", check=0)
    return out


def test_dcmflow_output_validates_clean(converted):
    completed = run_dcmflow("validate", converted, check=0)  # report.json in the folder is skipped
    assert completed.stdout.strip().endswith("validate: 3 of 3 files without problems")


def test_every_problem_is_printed_with_tag_and_keyword(converted, tmp_path):
    dataset = pydicom.dcmread(converted / "grey8.dcm")
    del dataset.PatientID                      # type 2: must be present
    dataset.Modality = ""                      # type 1: must have a value
    dataset.StudyDate = "2020-01-01"           # DA is YYYYMMDD
    dataset.PatientName = "a^b^c^d^e^f"        # at most 5 components
    broken = tmp_path / "broken.dcm"
    crafted(dataset).save_as(broken)
    completed = run_dcmflow("validate", broken, check=1)
    lines = completed.stdout.splitlines()
    for expected in ("(0010,0020) PatientID: type 2 attribute missing",
                     "(0008,0060) Modality: type 1 attribute empty",
                     "(0008,0020) StudyDate: DA: not in DICOM's form",
                     "(0010,0010) PatientName: PN: has more than 5 name components"):
        assert any(line == f"{broken}: {expected}" for line in lines), (expected, completed.stdout)
    assert "2020-01-01" not in completed.stdout  # values are not printed


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
def test_legacy_dates_with_dots_are_reported(tmp_path):
    source = CORPUS / "dicom" / "jpeg-lossless-decoder-js-jpeg_lossless_sel2.dcm"
    completed = run_dcmflow("validate", source, check=1)
    assert f"{source}: (0008,0020) StudyDate: DA: not in DICOM's form" in completed.stdout


def test_a_file_that_is_not_dicom_is_a_problem(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM")
    completed = run_dcmflow("validate", text, check=1)
    assert f"{text}: cannot read DICOM" in completed.stdout
