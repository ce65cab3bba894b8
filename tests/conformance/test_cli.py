"""The command line contract: help, version, usage errors (exit 2, one line), --set."""

import os
import pathlib
import subprocess

import pydicom
import pytest

from dcmflow_testing import dcmflow_binary, run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))


def test_help_lists_subcommands():
    completed = run_dcmflow("--help", check=0)
    assert "convert" in completed.stdout
    assert "Usage" in completed.stdout


def test_version_prints_name_and_version():
    completed = run_dcmflow("--version", check=0)
    assert completed.stdout.startswith("dcmflow ")
    assert completed.stdout.strip().split()[1][0].isdigit()


def test_help_lists_the_commands_of_both_programs():
    # `dcmflow` runs store and echo itself and hands the rest to dcmflow-all: one command line.
    completed = run_dcmflow("--help", check=0)
    for command in ("store", "echo", "run", "transcode", "preview", "bench"):
        assert command in completed.stdout
    assert "--associations" in run_dcmflow("store", "--help", check=0).stdout
    assert "unknown option '--no-such-option'" in run_dcmflow("store", "x", "--to", "file://y", "--no-such-option",
                                                             check=2).stderr


def test_store_runs_in_a_program_that_links_no_pixel_library():
    # What lets `dcmflow store` start like storescu: GDCM, libvips and the codec libraries
    # stay out of the front (they take 30 ms to load); its decoder is loaded only on demand.
    needed = subprocess.run(["readelf", "-d", dcmflow_binary()], capture_output=True, text=True, check=True).stdout
    libraries = [line.split("[")[1].rstrip("]") for line in needed.splitlines() if "(NEEDED)" in line]
    assert any(name.startswith("libdcmnet") for name in libraries), libraries
    pixel_libraries = ("libgdcm", "libvips", "libopenjp2", "libopenjph", "libcharls", "libturbojpeg", "libglib")
    assert [name for name in libraries if name.startswith(pixel_libraries)] == []
    assert (pathlib.Path(dcmflow_binary()).parent / "dcmflow-decoder.so").is_file()


def test_subcommand_help_describes_its_options():
    completed = run_dcmflow("convert", "--help", check=0)
    for option in ("--output", "--set", "--threads"):
        assert option in completed.stdout


@pytest.mark.parametrize("args, named", [
    (["frobnicate"], "frobnicate"),
    (["--bogus"], "--bogus"),
    (["convert", "--bogus"], "--bogus"),
    (["convert", "in.png", "-o", "out", "--bogus"], "--bogus"),
    ([], "subcommand"),
    (["convert", "in.png"], "--output"),
])
def test_usage_errors_exit_2_with_one_line_naming_the_problem(args, named):
    completed = run_dcmflow(*args, check=2)
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert named in lines[0]
    assert completed.stdout == ""


def test_unknown_keyword_in_set_is_a_usage_error(tmp_path):
    completed = run_dcmflow("convert", IMAGES / "grey8.png", "-o", tmp_path, "--set", "PatientNaem=X",
                            check=2)
    assert "PatientNaem" in completed.stderr
    assert not list(tmp_path.glob("*.dcm"))


def test_set_writes_attributes_by_keyword_with_their_vr(tmp_path):
    run_dcmflow("convert", IMAGES / "grey8.png", "-o", tmp_path,
                "--set", "PatientID=123", "--set", "PatientName=Doe^John",
                "--set", "PatientWeight=70.5", "--set", "StudyDescription=Chest report",
                "--set", "AccessionNumber=A-17", "--set", "Modality=DOC", check=0)
    dataset = pydicom.dcmread(tmp_path / "grey8.dcm")
    assert dataset.PatientID == "123"
    assert str(dataset.PatientName) == "Doe^John"
    assert dataset["PatientWeight"].VR == "DS" and float(dataset.PatientWeight) == 70.5
    assert dataset.StudyDescription == "Chest report"
    assert dataset.AccessionNumber == "A-17"
    assert dataset.Modality == "DOC"


def test_missing_input_fails_that_item_only(tmp_path):
    completed = run_dcmflow("convert", IMAGES / "grey8.png", tmp_path / "absent.png", "-o", tmp_path / "out",
                            "--allow-missing-patient-id",
                            check=1)
    assert "absent.png: cannot read: No such file" in completed.stderr
    assert (tmp_path / "out" / "grey8.dcm").is_file()


def test_set_values_are_normalised_for_their_vr(tmp_path):
    run_dcmflow("convert", IMAGES / "grey8.png", "-o", tmp_path, "--set", "PatientID=P1",
                "--set", "PatientBirthDate=1970-01-31",
                "--set", "PatientAge=65 years", "--set", "PatientSex=female", "--set", "PatientWeight=70.5 kg",
                check=0)
    dataset = pydicom.dcmread(tmp_path / "grey8.dcm")
    assert dataset.PatientBirthDate == "19700131"
    assert dataset.PatientAge == "065Y"
    assert dataset.PatientSex == "F"
    assert float(dataset.PatientWeight) == 70.5


def test_invalid_set_value_names_keyword_vr_and_problem(tmp_path):
    completed = run_dcmflow("convert", IMAGES / "grey8.png", "-o", tmp_path,
                            "--set", "PatientBirthDate=01/31/1970", check=2)
    assert "PatientBirthDate (DA)" in completed.stderr and "ambiguous" in completed.stderr
