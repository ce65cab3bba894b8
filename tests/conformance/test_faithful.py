"""What dcmflow writes shows what the source showed, or says how it differs: pixels that
came through a lossy syntax stay marked lossy (Lossy Image Compression 01 and the method,
PS3.3 C.7.6.1.1.5) when stored again with a lossless codec, even when the source itself
left that out."""

import json
import os
import pathlib

import pydicom
import pytest
from PIL import Image

from dcmflow_testing import crafted, dciodvfy_errors, run_dcmflow

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


# --- Sources that contradict themselves fail with the reason; nothing is invented ----------

def native(rows=64, columns=64, bits=8, stored=None, high=None, samples=1, pixels=None):
    """An uncompressed Secondary Capture as pydicom writes it, geometry as asked."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.file_meta.MediaStorageSOPClassUID = dataset.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID = generate_uid()
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    dataset.PatientID, dataset.Modality = "HOSTILE", "OT"
    dataset.Rows, dataset.Columns, dataset.SamplesPerPixel = rows, columns, samples
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.BitsAllocated = bits
    dataset.BitsStored = stored if stored is not None else bits
    dataset.HighBit = high if high is not None else dataset.BitsStored - 1
    dataset.PixelRepresentation = 0
    dataset.PixelData = pixels if pixels is not None else bytes(rows * columns * samples * bits // 8)
    return dataset


def compressed(tmp_path, codec, image):
    """A file dcmflow wrote with `codec` from `image` (a numpy array), read back with pydicom."""
    folder = tmp_path / f"made-{codec}"
    Image.fromarray(image).save(tmp_path / "made.png")
    run_dcmflow("convert", tmp_path / "made.png", "-o", folder, "--codec", codec, "--allow-missing-patient-id", check=0)
    return pydicom.dcmread(folder / "made.dcm")


def with_header(dataset, **changes):
    for keyword, value in changes.items():
        setattr(dataset, keyword, value)
    return crafted(dataset)


def rle_fragment(dataset, replace):
    from pydicom.encaps import encapsulate, generate_pixel_data_frame
    (fragment,) = list(generate_pixel_data_frame(dataset.PixelData))
    dataset.PixelData = encapsulate([replace(fragment)])
    return crafted(dataset)


def hostile_sources(tmp_path):
    import numpy as np
    import struct
    ramp8 = (np.arange(64 * 64) % 256).astype(np.uint8).reshape(64, 64)
    ramp16 = (np.arange(64 * 64) * 13).astype(np.uint16).reshape(64, 64)
    small = (np.arange(32 * 32) % 256).astype(np.uint8).reshape(32, 32)
    return {
        "short.dcm": (native(pixels=bytes(1024)),
                      "Pixel Data holds 1024 bytes, its rows, columns, samples, bits and frames make 4096"),
        "huge-geometry.dcm": (native(rows=65535, columns=65535, pixels=bytes(64)), "make 4294836225"),
        "stored-over-allocated.dcm": (native(stored=12, high=11), "BitsStored 12 does not fit BitsAllocated 8"),
        "high-bit.dcm": (native(stored=8, high=9), "HighBit 9 does not hold BitsStored 8 within BitsAllocated 8"),
        "no-samples.dcm": (native(samples=0, pixels=bytes(64)), "SamplesPerPixel is 0 (1 or 3)"),
        "j2k-smaller-than-header.dcm": (with_header(compressed(tmp_path, "j2k", small), Rows=64, Columns=64),
                                        "the JPEG 2000 codestream is 32x32, the header says 64x64"),
        "jpegls-16-bit-under-8.dcm": (with_header(compressed(tmp_path, "jpegls", ramp16), BitsAllocated=8,
                                                  BitsStored=8, HighBit=7),
                                      "the JPEG-LS codestream has 16-bit samples, the header allocates 8 bits"),
        "rle-no-segments.dcm": (rle_fragment(compressed(tmp_path, "rle", ramp8),
                                             lambda fragment: struct.pack("<I", 0) + fragment[4:]),
                                "RLE has 0 segments, the header needs 1"),
        "rle-segment-too-long.dcm": (rle_fragment(compressed(tmp_path, "rle", ramp8),
                                                  lambda fragment: fragment + b"\x00\x00" * (160 * 4096)),
                                     "more than its 4096-byte frame can need"),
    }


def test_self_contradicting_sources_fail_in_transcode_and_preview(tmp_path):
    sources = hostile_sources(tmp_path)
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, (dataset, _) in sources.items():
        dataset.save_as(folder / name, write_like_original=False)
    # A Pixel Data length far beyond the file (a 670-byte file declaring 4 GB) fails before
    # anything is allocated.
    data = bytearray((folder / "short.dcm").read_bytes())
    at = data.find(b"\xe0\x7f\x10\x00")
    data[at + 8:at + 12] = (0xFFFFFFF0).to_bytes(4, "little")
    (folder / "declared-4gb.dcm").write_bytes(bytes(data[:at + 12 + 64]))
    sources["declared-4gb.dcm"] = (None, "Pixel Data declares 4294967280 bytes, the file holds 64 after it")

    completed = run_dcmflow("transcode", folder, "-o", tmp_path / "out", "--codec", "jpegls", check=1)
    assert f"0 of {len(sources)} inputs done" in completed.stdout
    for name, (_, reason) in sources.items():
        assert f"{name}: " in completed.stderr and reason in completed.stderr, (name, completed.stderr)
        preview = run_dcmflow("preview", folder / name, "-o", tmp_path / "shown.png", check=1)
        assert reason in preview.stderr, (name, preview.stderr)
    assert not list((tmp_path / "out").rglob("*.dcm"))


@pytest.mark.parametrize("codec", ["rle", "jpegls"])
def test_an_icon_in_the_old_syntax_is_dropped_and_the_item_says_so(codec, tmp_path):
    """A JPEG 2000 file whose Icon Image Sequence holds a JPEG 2000 icon: transcoded, the icon
    used to keep its J2K fragment under the new syntax, and DCMTK could not read the file."""
    import numpy as np
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from dcmflow_testing import decode_with_dcmtk
    image = compressed(tmp_path, "j2k", (np.arange(64 * 64) % 256).astype(np.uint8).reshape(64, 64))
    icon = Dataset()
    small = tmp_path / "icon"
    small.mkdir()
    Image.fromarray((np.arange(16 * 16) % 256).astype(np.uint8).reshape(16, 16)).save(small / "icon.png")
    run_dcmflow("convert", small / "icon.png", "-o", small, "--codec", "j2k", "--allow-missing-patient-id", check=0)
    encoded = pydicom.dcmread(small / "icon.dcm")
    for keyword in ("Rows", "Columns", "SamplesPerPixel", "PhotometricInterpretation", "BitsAllocated", "BitsStored",
                    "HighBit", "PixelRepresentation", "PixelData"):
        setattr(icon, keyword, getattr(encoded, keyword))
    image.IconImageSequence = Sequence([icon])
    image.save_as(tmp_path / "with-icon.dcm", write_like_original=False)

    run_dcmflow("transcode", tmp_path / "with-icon.dcm", "-o", tmp_path / "out", "--codec", codec, check=0)
    result = tmp_path / "out" / "with-icon.dcm"
    assert "IconImageSequence" not in pydicom.dcmread(result)
    assert decode_with_dcmtk(result, tmp_path).shape[-2:] == (64, 64)  # DCMTK reads the whole file
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "Icon Image Sequence dropped: its pixels were in the source's transfer syntax" in report["items"][0]["notes"]


def test_a_preamble_from_outside_is_zeroed_in_every_copy(tmp_path):
    """CVE-2019-11687: a DICOM file whose preamble is a Windows program header. Stored into a
    folder it was copied as it was; the preamble is the writer's to fill, and dcmflow zeroes it."""
    run_dcmflow("convert", IMAGES / "grey8.png", "-o", tmp_path / "made", "--allow-missing-patient-id", check=0)
    dataset = pydicom.dcmread(tmp_path / "made" / "grey8.dcm")
    dataset.preamble = b"MZ" + b"\x90" * 126
    dataset.save_as(tmp_path / "polyglot.dcm")
    run_dcmflow("store", tmp_path / "polyglot.dcm", "--to", f"file://{tmp_path / 'stored'}", check=0)
    run_dcmflow("transcode", tmp_path / "polyglot.dcm", "-o", tmp_path / "transcoded", check=0)
    source = (tmp_path / "polyglot.dcm").read_bytes()
    for copy in (tmp_path / "stored" / "polyglot.dcm", tmp_path / "transcoded" / "polyglot.dcm"):
        data = copy.read_bytes()
        assert data[:128] == bytes(128) and data[128:132] == b"DICM", copy
    assert (tmp_path / "stored" / "polyglot.dcm").read_bytes()[132:] == source[132:]  # the rest as it was
