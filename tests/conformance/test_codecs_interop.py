"""Every codec's output, decoded by at least two decoders that are not dcmflow's, gives the
pixels dcmflow was given (lossless) or stays close to them (lossy); dciodvfy is clean.

Decoders used per transfer syntax:
  RLE          pydicom, DCMTK dcmdrle, GDCM gdcmconv --raw
  JPEG-LS      DCMTK dcmdjpls, GDCM gdcmconv --raw
  JPEG 2000    pydicom (Pillow/OpenJPEG), GDCM gdcmconv --raw
  HTJ2K        OpenJPEG opj_decompress, Pillow (GDCM 3.0, DCMTK 3.6.7, pydicom 2.3 lack it)
  JPEG         DCMTK dcmdjpeg, GDCM gdcmconv --raw, pydicom (Pillow)
  Deflate      pydicom, DCMTK dcmconv +te, GDCM gdcmconv --raw
"""

import io
import json
import os
import pathlib

import numpy as np
import pydicom
import pytest
from PIL import Image

from dcmflow_testing import (dciodvfy_errors_any_syntax, decode_with_dcmtk, decode_with_gdcm,
                             decode_with_openjpeg, decode_with_pydicom, run_dcmflow, stored_frames)

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))
SOURCES = ["grey8.png", "grey16.png", "rgb.png", "pages.tif", "pages_rgb.tif"]


def decode_with_pillow_frames(path) -> np.ndarray:
    from pydicom.encaps import generate_pixel_data_frame
    dataset = pydicom.dcmread(path)
    count = int(getattr(dataset, "NumberOfFrames", 1) or 1)
    frames = [np.asarray(Image.open(io.BytesIO(codestream)))
              for codestream in generate_pixel_data_frame(dataset.PixelData, count)]
    return np.stack(frames)


LOSSLESS = {
    "rle": [lambda p, s: decode_with_pydicom(p), decode_with_dcmtk, decode_with_gdcm],
    "jpegls": [decode_with_dcmtk, decode_with_gdcm],
    "j2k": [lambda p, s: decode_with_pydicom(p), decode_with_gdcm],
    "htj2k": [decode_with_openjpeg, lambda p, s: decode_with_pillow_frames(p)],
    "deflate": [lambda p, s: decode_with_pydicom(p), decode_with_dcmtk, decode_with_gdcm],
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uncompressed conversion: what every lossless codec must give back."""
    out = tmp_path_factory.mktemp("none")
    run_dcmflow("convert", *[IMAGES / s for s in SOURCES], "-o", out, "--set", "PatientID=INTEROP", check=0)
    return {s: decode_with_pydicom(out / (pathlib.Path(s).stem + ".dcm")) for s in SOURCES}


def convert_with(codec, tmp_path):
    out = tmp_path / codec.replace(":", "_")
    # Baseline JPEG is 8-bit only: its one 16-bit input fails, and the run says so (exit 1).
    run_dcmflow("convert", *[IMAGES / s for s in SOURCES], "-o", out, "--codec", codec, "--set", "PatientID=INTEROP",
                check=1 if codec.startswith("jpeg:") else 0)
    return out


@pytest.mark.parametrize("codec", sorted(LOSSLESS))
def test_lossless_codec_decodes_bit_exactly_in_independent_decoders(codec, reference, tmp_path):
    out = convert_with(codec, tmp_path)
    for source in SOURCES:
        path = out / (pathlib.Path(source).stem + ".dcm")
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        assert dataset.LossyImageCompression == "00"
        for decode in LOSSLESS[codec]:
            decoded = decode(path, tmp_path)
            assert decoded.shape == reference[source].shape, (codec, source, decode)
            assert np.array_equal(decoded, reference[source]), (codec, source, decode)
        assert dciodvfy_errors_any_syntax(path, tmp_path) == [], (codec, source)


def test_multiframe_fragments_have_a_basic_offset_table(tmp_path):
    out = convert_with("jpegls", tmp_path)
    dataset = pydicom.dcmread(out / "pages.dcm")
    from pydicom.encaps import get_frame_offsets
    from pydicom.filebase import DicomBytesIO
    stream = DicomBytesIO(dataset.PixelData)
    stream.is_little_endian = True
    has_table, offsets = get_frame_offsets(stream)
    assert has_table and len(offsets) == 3 and offsets[0] == 0
    assert offsets == sorted(offsets)


# The samples carry noise bands (hard for lossy coding at ratio 10): a PSNR floor of 20 dB
# still catches a wrong colour transform or a shifted frame, which land near 10 dB.
@pytest.mark.parametrize("codec, max_error, psnr_floor", [
    ("jpegls-near:2", 2, None),
    ("jpeg:90", None, 20.0),
    ("j2k:10", None, 20.0),
    ("htj2k:10", None, 20.0),
])
def test_lossy_codec_is_marked_lossy_and_stays_close(codec, max_error, psnr_floor, reference, tmp_path):
    out = convert_with(codec, tmp_path)
    report = json.loads((out / "report.json").read_text())
    for item in report["items"]:
        source = pathlib.Path(item["input"]).name
        if item["status"] != "ok":
            assert codec.startswith("jpeg:") and source == "grey16.png"  # baseline JPEG is 8-bit only
            assert "cannot compress with jpeg" in item["error"]
            continue
        path = out / item["outputs"][0]
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        assert dataset.LossyImageCompression == "01"
        assert float(dataset.LossyImageCompressionRatio) > 1
        assert dataset.LossyImageCompressionMethod
        if codec.startswith("htj2k"):
            decoders = [decode_with_openjpeg(path, tmp_path)]
        elif codec.startswith("jpegls"):
            decoders = [decode_with_dcmtk(path, tmp_path), decode_with_gdcm(path, tmp_path)]
        elif codec.startswith("jpeg:"):
            decoders = [decode_with_dcmtk(path, tmp_path), decode_with_gdcm(path, tmp_path)]
        else:
            decoders = [decode_with_pydicom(path), decode_with_gdcm(path, tmp_path)]
        expected = reference[source].astype(np.float64)
        # Independent decoders agree with each other (JPEG: up to IDCT and upsampling rounding).
        for other in decoders[1:]:
            spread = np.abs(other.astype(np.int64) - decoders[0].astype(np.int64)).max()
            assert spread <= (3 if codec.startswith("jpeg:") else 0), (codec, source, spread)
        for decoded in decoders:
            assert decoded.shape == expected.shape
            error = np.abs(decoded.astype(np.float64) - expected)
            if max_error is not None:
                assert error.max() <= max_error, (codec, source)
            if psnr_floor is not None:
                peak = 65535.0 if dataset.BitsAllocated == 16 else 255.0
                mse = max(float(np.mean(error ** 2)), 1e-12)
                assert 10 * np.log10(peak * peak / mse) > psnr_floor, (codec, source)
        assert dciodvfy_errors_any_syntax(path, tmp_path) == [], (codec, source)


def test_jpeg_colour_is_stored_as_ybr_full_422(tmp_path):
    out = convert_with("jpeg:90", tmp_path)
    assert pydicom.dcmread(out / "rgb.dcm").PhotometricInterpretation == "YBR_FULL_422"


def test_unknown_codec_is_a_usage_error(tmp_path):
    completed = run_dcmflow("convert", IMAGES / "grey8.png", "-o", tmp_path, "--codec", "webp",
                            "--set", "PatientID=P1", check=2)
    assert "webp" in completed.stderr
