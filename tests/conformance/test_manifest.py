"""Manifests: per-input patient and study data, checked per cell (FILE:ROW:COLUMN), bad rows
failing only their inputs; UIDs derived from content (stable across runs); studies grouped
by patient and accession number."""

import json
import os
import pathlib
import shutil

import pydicom
import pytest

from dcmflow_testing import dciodvfy_errors, run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))

CSV = """file,PatientID,PatientName,PatientBirthDate,PatientSex,PatientAge,PatientWeight,AccessionNumber,StudyDescription
grey8.png,P001,Wang^XiaoDong=王^小东=,1970-01-31,男,55 years,70.5 kg,ACC-1,Report
rgb.png,P001,Wang^XiaoDong=王^小东=,19700131,M,55Y,70.5,ACC-1,Photo
grey16.png,P002,Müller^Anna,01/31/1970,F,,,ACC-2,
pages*.tif,P003,Doe^John,1960-05-05,M,,,ACC-3,Scan
scan.bmp,P004,Roe^Jane,1950-01-01,F,,,ACC-4,
photo.jpg,P004,Roe^Janet,1950-01-01,F,,,ACC-5,
palette.png,,Nobody,,,,,,
"""


@pytest.fixture()
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("grey8.png", "rgb.png", "grey16.png", "pages.tif", "pages_rgb.tif", "scan.bmp", "photo.jpg",
                 "palette.png", "rgba.png"):
        shutil.copy(IMAGES / name, folder / name)
    return folder


def convert(inputs, manifest_text, out, name="manifest.csv", extra=()):
    manifest = inputs / name
    manifest.write_text(manifest_text, encoding="utf-8")
    files = sorted(p for p in inputs.iterdir() if p.suffix != manifest.suffix)
    completed = run_dcmflow("convert", *files, "-o", out, "--manifest", manifest, *extra)
    report = json.loads((out / "report.json").read_text())
    return completed, {pathlib.Path(item["input"]).name: item for item in report["items"]}


def test_rows_are_applied_normalised_and_valid(inputs, tmp_path):
    completed, items = convert(inputs, CSV, tmp_path / "out")
    assert completed.returncode == 1
    dataset = pydicom.dcmread(tmp_path / "out" / items["grey8.png"]["outputs"][0])
    assert dataset.PatientID == "P001"
    # Groups kept as written, trailing empty phonetic group included (raw bytes, UTF-8).
    assert dataset.get_item(0x00100010).value.rstrip(b" ") == "Wang^XiaoDong=王^小东=".encode()
    assert dataset.PatientName.ideographic == "王^小东"
    assert dataset.PatientBirthDate == "19700131"
    assert dataset.PatientSex == "M"
    assert dataset.PatientAge == "055Y"
    assert float(dataset.PatientWeight) == 70.5
    assert dataset.SpecificCharacterSet == "ISO_IR 192"
    assert dciodvfy_errors(tmp_path / "out" / items["grey8.png"]["outputs"][0]) == []
    # a glob row names both TIFFs
    assert items["pages.tif"]["status"] == "ok" and items["pages_rgb.tif"]["status"] == "ok"


def test_a_bad_cell_fails_its_row_with_file_row_column(inputs, tmp_path):
    completed, items = convert(inputs, CSV, tmp_path / "out")
    error = items["grey16.png"]["error"]
    assert items["grey16.png"]["status"] == "failed"
    assert error.endswith("manifest.csv:4:4: PatientBirthDate (DA): ambiguous (day and month order): "
                          "use YYYY-MM-DD, or give the column a date format")
    assert "01/31/1970" not in completed.stderr  # values (a birth date here) are never echoed


def test_conflicting_demographics_fail_every_row_of_that_patient(inputs, tmp_path):
    _, items = convert(inputs, CSV, tmp_path / "out")
    for name in ("scan.bmp", "photo.jpg"):
        assert items[name]["status"] == "failed"
        assert "conflicting demographics: rows 6, 7 give one PatientID different PatientName values" \
            in items[name]["error"]


def test_missing_patient_id_and_unnamed_inputs_fail(inputs, tmp_path):
    _, items = convert(inputs, CSV, tmp_path / "out")
    assert "manifest.csv:8: no PatientID" in items["palette.png"]["error"]
    assert items["rgba.png"]["status"] == "failed"
    assert "no row of" in items["rgba.png"]["error"]


def test_missing_patient_id_is_allowed_when_asked(inputs, tmp_path):
    _, items = convert(inputs, CSV, tmp_path / "out", extra=["--allow-missing-patient-id"])
    assert items["palette.png"]["status"] == "ok"


def test_json_manifest_gives_the_same_objects(inputs, tmp_path):
    rows = [{"file": "grey8.png", "PatientID": "P001", "PatientName": "Wang^XiaoDong=王^小东=",
             "PatientBirthDate": "1970-01-31", "PatientWeight": 70.5, "AccessionNumber": "ACC-1"}]
    _, items = convert(inputs, json.dumps(rows, ensure_ascii=False), tmp_path / "json", name="manifest.json")
    dataset = pydicom.dcmread(tmp_path / "json" / items["grey8.png"]["outputs"][0])
    assert dataset.get_item(0x00100010).value.rstrip(b" ") == "Wang^XiaoDong=王^小东=".encode()
    assert dataset.PatientBirthDate == "19700131"
    assert float(dataset.PatientWeight) == 70.5


def test_unknown_column_is_a_usage_error_naming_row_and_column(inputs, tmp_path):
    manifest = inputs / "bad.csv"
    manifest.write_text("file,PatientID,Colour\ngrey8.png,P1,red\n")
    completed = run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / "out", "--manifest", manifest, check=2)
    assert f"{manifest}:1:3: unknown DICOM keyword 'Colour'" in completed.stderr


def test_uids_are_derived_stable_and_grouped_by_patient_and_accession(inputs, tmp_path):
    _, first = convert(inputs, CSV, tmp_path / "a")
    _, second = convert(inputs, CSV, tmp_path / "b")

    def uids(out, items, name):
        d = pydicom.dcmread(out / items[name]["outputs"][0], stop_before_pixels=True)
        return d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID

    for name in ("grey8.png", "rgb.png", "pages.tif"):
        assert uids(tmp_path / "a", first, name) == uids(tmp_path / "b", second, name)  # idempotent re-runs
    grey8 = uids(tmp_path / "a", first, "grey8.png")
    rgb = uids(tmp_path / "a", first, "rgb.png")
    pages = uids(tmp_path / "a", first, "pages.tif")
    assert grey8[0] == rgb[0]            # same patient and accession: one study
    assert grey8[1] != rgb[1]            # one series per source document
    assert grey8[2] != rgb[2]
    assert pages[0] != grey8[0]          # another patient: another study
    assert all(uid.startswith("2.25.") for uid in grey8 + rgb + pages)


def test_uid_root_and_namespace(inputs, tmp_path):
    manifest = inputs / "m.csv"
    manifest.write_text("file,PatientID\ngrey8.png,P1\n")
    for out, namespace in ((tmp_path / "x", "job-x"), (tmp_path / "y", "job-y")):
        run_dcmflow("convert", inputs / "grey8.png", "-o", out, "--manifest", manifest,
                    "--uid-root", "1.2.826.0.1.3680043.10.999", "--uid-namespace", namespace, check=0)
    x = pydicom.dcmread(tmp_path / "x" / "grey8.dcm").SOPInstanceUID
    y = pydicom.dcmread(tmp_path / "y" / "grey8.dcm").SOPInstanceUID
    assert x.startswith("1.2.826.0.1.3680043.10.999.") and len(x) <= 64
    assert x != y


def sop_series_study(path):
    dataset = pydicom.dcmread(path, stop_before_pixels=True)
    return dataset.SOPInstanceUID, dataset.SeriesInstanceUID, dataset.StudyInstanceUID


def test_one_image_for_two_patients_shares_no_uid(tmp_path):
    """The same file converted for patient A and for patient B: two patients' objects, so
    no SOP Instance, Series or Study UID in common (a PACS would otherwise drop or merge one)."""
    shutil.copy(IMAGES / "grey8.png", tmp_path / "scan.png")
    for patient in ("PAT-A", "PAT-B"):
        run_dcmflow("convert", tmp_path / "scan.png", "-o", tmp_path / patient, "--set", f"PatientID={patient}",
                    check=0)
    a, b = (sop_series_study(tmp_path / patient / "scan.dcm") for patient in ("PAT-A", "PAT-B"))
    assert not set(a) & set(b)
    # The same input with the same attributes: the same objects, from any folder it is run in.
    run_dcmflow("convert", tmp_path / "scan.png", "-o", tmp_path / "again", "--set", "PatientID=PAT-A", check=0)
    assert sop_series_study(tmp_path / "again" / "scan.dcm") == a


def test_any_attribute_that_differs_makes_another_object(tmp_path):
    shutil.copy(IMAGES / "grey8.png", tmp_path / "scan.png")
    for folder, extra in (("plain", []), ("described", ["--set", "SeriesDescription=Consent form"])):
        run_dcmflow("convert", tmp_path / "scan.png", "-o", tmp_path / folder, "--set", "PatientID=P1", *extra, check=0)
    plain, described = (sop_series_study(tmp_path / folder / "scan.dcm") for folder in ("plain", "described"))
    assert plain[0] != described[0] and plain[1] != described[1]
    assert plain[2] == described[2]  # one patient, no accession, same date and description: one study


def test_equal_files_in_an_archive_are_objects_of_their_own(tmp_path):
    """An archive of members with equal bytes (the same blank form scanned for many
    patients) used to become one UID for all of them."""
    import zipfile
    with zipfile.ZipFile(tmp_path / "forms.zip", "w") as archive:
        for number in range(5):
            archive.write(IMAGES / "grey8.png", f"form-{number}.png")
    run_dcmflow("convert", tmp_path / "forms.zip", "-o", tmp_path / "out", "--set", "PatientID=P1", check=0)
    outputs = sorted((tmp_path / "out").rglob("*.dcm"))
    assert len(outputs) == 5
    assert len({sop_series_study(path)[0] for path in outputs}) == 5
    assert len({sop_series_study(path)[1] for path in outputs}) == 5


def test_a_study_uid_given_to_two_patients_fails_those_rows(inputs, tmp_path):
    study = "1.2.826.0.1.3680043.10.999.1"
    manifest = (f"file,PatientID,StudyInstanceUID\n"
                f"grey8.png,P001,{study}\nrgb.png,P002,{study}\ngrey16.png,P003,1.2.826.0.1.3680043.10.999.2\n"
                f"scan.bmp,P003,1.2.826.0.1.3680043.10.999.2\n")
    _, items = convert(inputs, manifest, tmp_path / "out")
    for name in ("grey8.png", "rgb.png"):
        assert items[name]["status"] == "failed"
        assert "rows 2, 3 give one StudyInstanceUID to 2 patients" in items[name]["error"]
        assert study not in items[name]["error"]
    for name in ("grey16.png", "scan.bmp"):  # one patient's two inputs in one study: fine
        assert items[name]["status"] == "ok"


def one_row(inputs, tmp_path, row, header="file,PatientID,PatientSex,PatientBirthDate,StudyDate,SmokingStatus"):
    _, items = convert(inputs, f"{header}\n{row}\n", tmp_path / "out")
    return items["grey8.png"]


@pytest.mark.parametrize("row, reason", [
    ("grey8.png,P1,Q,,,", "PatientSex (CS): not one of the values DICOM allows (M, F, O)"),
    ("grey8.png,P1,M,,,MAYBE", "SmokingStatus (CS): not one of the values DICOM allows (YES, NO, UNKNOWN)"),
    ("grey8.png,P1,M,2099-01-01,,", "PatientBirthDate is in the future"),
    ("grey8.png,P1,M,1990-01-01,1980-01-01,", "PatientBirthDate is after StudyDate"),
])
def test_values_dicom_forbids_fail_their_row(inputs, tmp_path, row, reason):
    item = one_row(inputs, tmp_path, row)
    assert item["status"] == "failed" and reason in item["error"]
    assert "2099" not in item["error"] and "1990" not in item["error"]  # values are never quoted


def test_every_value_dicom_enumerates_is_written_and_valid(inputs, tmp_path):
    item = one_row(inputs, tmp_path, "grey8.png,P1,o,1990-01-01,2020-05-06,unknown")
    dataset = pydicom.dcmread(tmp_path / "out" / item["outputs"][0])
    assert (dataset.PatientSex, dataset.SmokingStatus) == ("O", "UNKNOWN")
    assert dciodvfy_errors(tmp_path / "out" / item["outputs"][0]) == []


def test_a_json_key_given_twice_is_refused(inputs, tmp_path):
    manifest = inputs / "twice.json"
    manifest.write_text('[{"file": "grey8.png", "PatientID": "P1", "PatientID": "P2"}]')
    completed = run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / "out", "--manifest", manifest, check=2)
    assert f'{manifest}:1: key "PatientID" appears twice in one object' in completed.stderr


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_western_manifest_is_read_as_windows_1252_not_gb18030(inputs, tmp_path, encoding):
    manifest = inputs / "western.csv"
    # "äß": two accented letters side by side, as a GBK character would be.
    manifest.write_bytes("file,PatientID,PatientName\ngrey8.png,P1,Gräßle-Dupont^Amélie\n".encode(encoding))
    run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / "out", "--manifest", manifest, check=0)
    assert str(pydicom.dcmread(tmp_path / "out" / "grey8.dcm").PatientName) == "Gräßle-Dupont^Amélie"


def test_bytes_that_could_be_chinese_or_western_are_not_guessed(inputs, tmp_path):
    manifest = inputs / "mixed.csv"
    manifest.write_bytes("file,PatientID,PatientName\ngrey8.png,P1,".encode() + "王^小东".encode("gb18030") +
                         "=Amélie\n".encode("cp1252"))
    completed = run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / "out", "--manifest", manifest, check=2)
    assert "--manifest-encoding gb18030|latin1" in completed.stderr
    run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / "out", "--manifest", manifest,
                "--manifest-encoding", "gb18030", check=0)


def test_a_utf8_manifest_with_a_byte_order_mark_is_read(inputs, tmp_path):
    for name, text in (("bom.csv", "file,PatientID,PatientName\ngrey8.png,P1,Dupont^Amélie\n"),
                       ("bom.json", '[{"file": "grey8.png", "PatientID": "P1", "PatientName": "Dupont^Amélie"}]')):
        manifest = inputs / name
        manifest.write_bytes(b"\xef\xbb\xbf" + text.encode())
        run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / name, "--manifest", manifest, check=0)
        assert str(pydicom.dcmread(tmp_path / name / "grey8.dcm").PatientName) == "Dupont^Amélie"


def test_a_sop_instance_uid_cannot_be_given(inputs, tmp_path):
    """One given would be shared by every page of a document and every input a row names."""
    completed = run_dcmflow("convert", inputs / "grey8.png", "-o", tmp_path / "out", "--set", "PatientID=P1",
                            "--set", "SOPInstanceUID=1.2.826.0.1.3680043.10.999.7", check=2)
    assert "SOPInstanceUID is derived by dcmflow and cannot be set" in completed.stderr
    manifest = inputs / "with-uid.csv"
    manifest.write_text("file,PatientID,SOPInstanceUID\npages*.tif,P1,1.2.826.0.1.3680043.10.999.7\n")
    completed = run_dcmflow("convert", inputs / "pages.tif", "-o", tmp_path / "out", "--manifest", manifest, check=2)
    assert f"{manifest}:1:3: SOPInstanceUID is derived by dcmflow and cannot be set" in completed.stderr
