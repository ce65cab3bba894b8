"""The DICOM Conformance Statement (jobs/conformance-statement.md) stays true: its transfer
syntax table is the codec registry's, and its SOP class table is what dcmflow writes for
every shape of input."""

import pathlib
import re

import numpy as np
import pydicom
from PIL import Image

from dcmflow_testing import SOURCE_DIR, run_dcmflow

STATEMENT = SOURCE_DIR / "jobs" / "conformance-statement.md"


def table_uids(section_title: str) -> set:
    """The UIDs in the second column of the table under a heading."""
    text = STATEMENT.read_text(encoding="utf-8")
    section = text.split(section_title, 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\|[^|]*\| (1\.2\.840\.10008[0-9.]*) \|", section, flags=re.MULTILINE))


def test_transfer_syntaxes_are_those_of_the_codec_registry():
    # The first table of `dcmflow codecs`: one row per syntax a codec writes (read-only
    # syntaxes are listed further down, and are not proposed).
    written = run_dcmflow("codecs", check=0).stdout.split("\n\n", 1)[0]
    registry = set(re.findall(r"\s(1\.2\.840\.10008[0-9.]*)\s", written))
    assert registry
    assert table_uids("### 1.3 Transfer syntaxes dcmflow writes and proposes") == registry


def test_sop_classes_are_those_dcmflow_writes(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    grey = np.arange(40 * 30, dtype=np.uint8).reshape(30, 40)
    Image.fromarray(grey).save(inputs / "one_grey.png")
    Image.fromarray((grey.astype(np.uint16) * 50)).save(inputs / "sixteen_bit.png")
    pages = [Image.fromarray(grey), Image.fromarray(255 - grey)]
    pages[0].save(inputs / "grey_pages.tif", save_all=True, append_images=pages[1:])
    colour = [Image.fromarray(np.dstack([grey, 255 - grey, grey])) for _ in range(2)]
    colour[0].save(inputs / "colour_pages.tif", save_all=True, append_images=colour[1:])
    colour[0].save(inputs / "document.pdf")
    out = tmp_path / "out"
    run_dcmflow("convert", inputs, "-o", out, "--also-pdf", "--allow-missing-patient-id", check=0)
    written = {pydicom.dcmread(path).SOPClassUID for path in out.rglob("*.dcm")}
    assert table_uids("### 1.2 SOP classes dcmflow creates") == written
