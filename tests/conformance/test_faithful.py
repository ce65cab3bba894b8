"""What dcmflow writes shows what the source showed, or says how it differs: pixels that
came through a lossy syntax stay marked lossy (Lossy Image Compression 01 and the method,
PS3.3 C.7.6.1.1.5) when stored again with a lossless codec, even when the source itself
left that out."""

import os
import pathlib

import pydicom
import pytest

from dcmflow_testing import dciodvfy_errors, run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))


@pytest.mark.parametrize("codec", ["jpegls", "rle", "none"])
def test_a_jpeg_source_stored_losslessly_still_says_it_is_lossy(codec, tmp_path):
    run_dcmflow("convert", IMAGES / "rgb.png", "-o", tmp_path / "jpeg", "--codec", "jpeg:90",
                "--allow-missing-patient-id", check=0)
    source = pydicom.dcmread(tmp_path / "jpeg" / "rgb.dcm")
    assert source.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50"
    # As many legacy JPEG files are: no word of their loss.
    for keyword in ("LossyImageCompression", "LossyImageCompressionMethod", "LossyImageCompressionRatio"):
        delattr(source, keyword)
    source.save_as(tmp_path / "silent.dcm", write_like_original=True)

    run_dcmflow("transcode", tmp_path / "silent.dcm", "-o", tmp_path / codec, "--codec", codec, check=0)
    result = pydicom.dcmread(tmp_path / codec / "silent.dcm")
    assert result.LossyImageCompression == "01"
    assert result.LossyImageCompressionMethod == "ISO_10918_1"
    assert result.SOPInstanceUID == source.SOPInstanceUID  # lossless from here on: the same image
    assert dciodvfy_errors(tmp_path / codec / "silent.dcm") == []
