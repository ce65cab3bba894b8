"""Checks that hold for every test of this folder.

Every object dcmflow makes (Secondary Capture, multi-frame SC, Encapsulated PDF) and any
test leaves in its temporary folders is given to dicom3tools' dciodvfy when the test file's
session ends: an Error line in any of them fails the session, whatever the test itself
looked at. Transcoded legacy files are not among them: they keep their source's faults,
and test_transcode.py checks that they gain none. Neither are the folders of a test marked
`feeds_faulty_objects` (it damages dcmflow's own output byte by byte and transcodes it).
"""

import pathlib

import pydicom
import pytest

from dcmflow_testing import dciodvfy_errors_any_syntax

MADE_BY_DCMFLOW = {
    "1.2.840.10008.5.1.4.1.1.7",      # Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.2",    # Multi-frame Grayscale Byte SC
    "1.2.840.10008.5.1.4.1.1.7.3",    # Multi-frame Grayscale Word SC
    "1.2.840.10008.5.1.4.1.1.7.4",    # Multi-frame True Color SC
    "1.2.840.10008.5.1.4.1.1.104.1",  # Encapsulated PDF
}


def made_by_dcmflow(path: pathlib.Path) -> bool:
    """A Part 10 file dcmflow made (its Secondary Capture device: not a transcoded one, which
    keeps its source's) and wrote (its meta header: not a copy another tool rewrote). A test
    that makes a faulty input out of such a file renames the writer (`crafted()`)."""
    try:
        with open(path, "rb") as file:
            if file.read(132)[128:] != b"DICM":
                return False
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        if str(getattr(dataset, "SOPClassUID", "")) not in MADE_BY_DCMFLOW:
            return False
        written_by = str(getattr(dataset.file_meta, "ImplementationVersionName", "") or "")
        return written_by.startswith("DCMFLOW_") and dataset.get("SecondaryCaptureDeviceManufacturer") == "dcmflow"
    except Exception:  # noqa: BLE001 -- hostile inputs break pydicom in every way (even recursion)
        return False


FAULTY_ON_PURPOSE = []  # the tmp_path of each test marked feeds_faulty_objects


def pytest_configure(config):
    config.addinivalue_line("markers", "feeds_faulty_objects: the test's folder holds objects it damaged on purpose")


@pytest.fixture(autouse=True)
def note_folders_faulty_on_purpose(request):
    if request.node.get_closest_marker("feeds_faulty_objects") and "tmp_path" in request.fixturenames:
        FAULTY_ON_PURPOSE.append(request.getfixturevalue("tmp_path"))
    yield


@pytest.fixture(scope="session", autouse=True)
def every_object_dcmflow_made_passes_dciodvfy(tmp_path_factory):
    yield
    base = tmp_path_factory.getbasetemp()
    scratch = base / "dciodvfy-twins"
    scratch.mkdir(exist_ok=True)
    invalid = {}
    for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.is_symlink()):
        if any(folder == scratch or folder in FAULTY_ON_PURPOSE for folder in path.parents):
            continue
        if not made_by_dcmflow(path):
            continue
        errors = dciodvfy_errors_any_syntax(path, scratch)
        if errors:
            invalid[str(path.relative_to(base))] = errors[:3]
    assert not invalid, f"dciodvfy reports errors in {len(invalid)} objects dcmflow made: {invalid}"
