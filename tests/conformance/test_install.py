"""cmake --install gives a working dcmflow: bin/dcmflow links to the front in
libexec/dcmflow/, where dcmflow-all, the decode and LibreOffice helpers and the decoder
plugin sit beside it. Each is exercised from the installed tree: a conversion (dcmflow-all,
decode helper), an Office document (LibreOffice helper) and a store that must decode for a
peer taking only uncompressed syntaxes (the decoder plugin)."""

import os
import pathlib
import subprocess

import numpy as np
import pydicom
import pytest
from PIL import Image

from peer_fixtures import storescp  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    build = pathlib.Path(os.environ["DCMFLOW"]).resolve().parents[1]
    prefix = tmp_path_factory.mktemp("prefix")
    done = subprocess.run(["cmake", "--install", str(build), "--prefix", str(prefix)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return prefix


def run(program, *args):
    return subprocess.run([str(program), *map(str, args)], capture_output=True, text=True, timeout=300)


def test_the_installed_tree_holds_every_program_beside_the_front(installed):
    front = installed / "bin" / "dcmflow"
    assert front.is_symlink()
    programs = installed / "libexec" / "dcmflow"
    for name in ("dcmflow", "dcmflow-all", "dcmflow-decode-worker", "dcmflow-office-worker", "dcmflow-decoder.so"):
        assert (programs / name).is_file(), name
    assert "Transfer syntaxes" in run(front, "codecs").stdout


def test_the_installed_dcmflow_converts_images_and_documents(installed, tmp_path):
    pixels = np.random.default_rng(5).integers(0, 256, (48, 64), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "scan.png")
    (tmp_path / "note.txt").write_text("A report from the installed tree.\n")
    done = run(installed / "bin" / "dcmflow", "convert", tmp_path / "scan.png", tmp_path / "note.txt",
               "-o", tmp_path / "out", "--set", "PatientID=INSTALLED", "--codec", "rle")
    assert done.returncode == 0, done.stderr
    scan = pydicom.dcmread(tmp_path / "out" / "scan.dcm")
    assert np.array_equal(scan.pixel_array, pixels)
    note = pydicom.dcmread(tmp_path / "out" / "note.dcm")  # rendered by the installed LibreOffice helper
    assert note.Rows > 1000 and note.PatientID == "INSTALLED"


def test_the_installed_front_decodes_for_a_peer_that_takes_only_uncompressed(installed, tmp_path, storescp):  # noqa: F811
    pixels = np.random.default_rng(6).integers(0, 256, (32, 40), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "scan.png")
    made = run(installed / "bin" / "dcmflow", "convert", tmp_path / "scan.png", "-o", tmp_path / "out",
               "--set", "PatientID=INSTALLED", "--codec", "jpegls")
    assert made.returncode == 0, made.stderr
    sent = run(installed / "bin" / "dcmflow", "store", tmp_path / "out" / "scan.dcm", "--to", storescp.url)
    assert sent.returncode == 0, sent.stderr
    [received] = storescp.files()
    assert np.array_equal(pydicom.dcmread(received).pixel_array, pixels)
