"""dcmflow transcode on the real DICOM files of ../shared/corpus: every image GDCM decodes is
recompressed with the same pixels (checked through decoders that are not dcmflow's), every
other attribute kept, multi-frame kept, no dciodvfy error the source did not already have;
files that are not images, or that are damaged, fail alone with a reason."""

import json
import pathlib

import numpy as np
import pydicom
import pytest

from dcmflow_testing import (CORPUS, dciodvfy_errors, dciodvfy_errors_any_syntax, decode_with_dcmtk,
                             decode_with_gdcm, decode_with_openjpeg, run_dcmflow)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")

SOURCES = sorted((CORPUS / "dicom").glob("*.dcm")) + sorted((CORPUS / "dicom").glob("*-CR1-*")) \
    if CORPUS.is_dir() else []
# Images no pixel codec carries: each must fail with a reason.
NOT_TRANSCODABLE = {
    "pydicom-rtdose.dcm": "32 bits allocated",
    "pydicom-liver_1frame.dcm": "1 bits allocated",
    "pydicom-SC_ybr_full_422_uncompressed.dcm": "YBR_FULL_422",
}


@pytest.fixture(scope="module")
def transcoded(tmp_path_factory):
    out = tmp_path_factory.mktemp("jpegls")
    completed = run_dcmflow("transcode", CORPUS / "dicom", "-o", out, "--codec", "jpegls")
    report = json.loads((out / "report.json").read_text())
    return out, completed, {item["input"]: item for item in report["items"]}


# Objects without pixels pass through (their text can still be re-encoded).
PASSED_THROUGH = {"pydicom-test-SR.dcm", "pydicom-waveform_ecg.dcm"}


def test_objects_without_pixels_pass_through_unchanged(transcoded):
    out, _, items = transcoded
    for name in PASSED_THROUGH:
        source = CORPUS / "dicom" / name
        result = pydicom.dcmread(out / items[str(source)]["outputs"][0])
        original = pydicom.dcmread(source)
        assert "PixelData" not in result
        assert result.SOPInstanceUID == original.SOPInstanceUID
        assert result.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
        assert [e.tag for e in result] == [e.tag for e in original if e.tag.element != 0]


def test_images_are_transcoded_and_the_rest_fail_with_reasons(transcoded):
    _, completed, items = transcoded
    assert completed.returncode == 1
    for source in SOURCES:
        item = items[str(source)]
        if source.name in NOT_TRANSCODABLE:
            assert item["status"] == "failed"
            assert NOT_TRANSCODABLE[source.name] in item["error"]
            assert f"{source}: " in completed.stderr
        else:
            assert item["status"] == "ok", (source.name, item["error"])


def _error_kinds(lines):
    # "Error - Illegal root for UID - "..." in (0x0002,0x0003)": the kind, not the value.
    return {line.split(" - ")[1] if " - " in line else line for line in lines}


@pytest.mark.parametrize("source", [s for s in SOURCES if s.name not in set(NOT_TRANSCODABLE) | PASSED_THROUGH],
                         ids=lambda p: p.name)
def test_transcoded_file_keeps_pixels_attributes_and_validity(transcoded, source, tmp_path):
    out, _, items = transcoded
    path = out / items[str(source)]["outputs"][0]
    original = pydicom.dcmread(source, stop_before_pixels=True)
    result = pydicom.dcmread(path, stop_before_pixels=True)
    assert result.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.80"
    assert result.SOPInstanceUID == original.SOPInstanceUID  # lossless: same image, same identity
    assert int(getattr(result, "NumberOfFrames", 1) or 1) == int(getattr(original, "NumberOfFrames", 1) or 1)
    for keyword in ("PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "Modality",
                    "StudyDate", "Rows", "Columns", "BitsStored", "PixelRepresentation"):
        if keyword in original:
            assert result.get(keyword) == original.get(keyword), keyword

    # Reference: an independent decoding of the source -- DCMTK's for RLE (GDCM 3.0.21 misorders
    # the byte segments of 16-bit colour RLE: the first pixel of pydicom's SC_rgb_rle_16bit is
    # red to DCMTK and pydicom, [0, 65280, 255] to GDCM), GDCM's for the rest; result: DCMTK's
    # and GDCM's decoding of ours.
    if original.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5":
        reference = decode_with_dcmtk(source, tmp_path).astype(np.int64)
    else:
        reference = decode_with_gdcm(source, tmp_path).astype(np.int64)
    was_ybr = original.PhotometricInterpretation.startswith("YBR")
    for decoded in (decode_with_dcmtk(path, tmp_path), decode_with_gdcm(path, tmp_path)):
        assert decoded.shape == reference.shape
        difference = np.abs(decoded.astype(np.int64) - reference).max()
        # YCbCr sources become RGB (JPEG-LS carries no colour transform): rounding of that
        # conversion differs by one between GDCM and pydicom; anything else is exact.
        assert difference <= (1 if was_ybr else 0), (source.name, difference)

    new_errors = (_error_kinds(dciodvfy_errors(path))
                  - _error_kinds(dciodvfy_errors_any_syntax(source, tmp_path)))
    assert new_errors == set(), (source.name, new_errors)


def test_lossy_transcode_gets_a_new_identity_and_says_it_is_lossy(tmp_path):
    source = CORPUS / "dicom" / "pydicom-CT_small.dcm"
    run_dcmflow("transcode", source, "-o", tmp_path, "--codec", "j2k:8", check=0)
    original = pydicom.dcmread(source)
    result = pydicom.dcmread(tmp_path / "pydicom-CT_small.dcm")
    assert result.SOPInstanceUID != original.SOPInstanceUID
    assert result.LossyImageCompression == "01"
    assert "ISO_15444_1" in result.LossyImageCompressionMethod
    assert result.StudyInstanceUID == original.StudyInstanceUID


def test_signed_and_multiframe_sources_survive_every_lossless_codec(tmp_path):
    sources = [CORPUS / "dicom" / "pydicom-CT_small.dcm",              # signed 16-bit
               CORPUS / "dicom" / "pydicom-SC_rgb_rle_2frame.dcm",     # RGB, 2 frames
               CORPUS / "dicom" / "octave-US-PAL-8-10x-echo.dcm"]      # palette, 10 frames
    for codec in ("rle", "jpegls", "j2k", "htj2k", "deflate", "none"):
        out = tmp_path / codec
        run_dcmflow("transcode", *sources, "-o", out, "--codec", codec, check=0)
        for source in sources:
            reference = decode_with_gdcm(source, tmp_path)
            result = out / source.name
            if codec == "htj2k":
                decoded = decode_with_openjpeg(result, tmp_path)
                if pydicom.dcmread(source, stop_before_pixels=True).PixelRepresentation == 1:
                    decoded = decoded.view(np.int16)
            else:
                decoded = decode_with_gdcm(result, tmp_path)
            assert np.array_equal(decoded, reference), (codec, source.name)


def test_damaged_dicom_fails_clearly(tmp_path):
    completed = run_dcmflow("transcode", CORPUS / "bad" / "pydicom-MR_truncated.dcm",
                            CORPUS / "bad" / "pydicom-no_meta.dcm", "-o", tmp_path, "--codec", "rle", check=1)
    assert "pydicom-MR_truncated.dcm: file truncated" in completed.stderr
    assert "pydicom-no_meta.dcm: cannot read DICOM" in completed.stderr
