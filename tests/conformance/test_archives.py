"""Archives (zip, tar, tar.gz, tar.xz, 7z) read entry by entry through libarchive: every good
entry converted and named "archive!path" in the report; a hostile set -- zip-slip, a
decompression bomb, an encrypted entry, a truncated archive, a nested archive -- fails each
bad entry clearly while the rest of the archive is still converted."""

import gzip
import io
import json
import os
import pathlib
import shutil
import subprocess
import tarfile
import zipfile

import numpy as np
import pydicom

from dcmflow_testing import dciodvfy_errors, expected_frames, run_dcmflow, stored_frames

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))


def convert(tmp_path, *archives, extra=()):
    out = tmp_path / "out"
    completed = run_dcmflow("convert", *archives, "-o", out, "--set", "PatientID=ARC", *extra)
    report = json.loads((out / "report.json").read_text())
    return out, completed, {item["input"]: item for item in report["items"]}


def test_good_archives_of_every_kind_convert_with_entry_names(tmp_path):
    folder = tmp_path / "src"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(IMAGES / "grey8.png", folder / "grey8.png")
    shutil.copy(IMAGES / "pages.tif", folder / "sub" / "pages.tif")
    archives = []
    with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(folder / "grey8.png", "grey8.png")
        z.write(folder / "sub" / "pages.tif", "sub/pages.tif")
    archives.append(tmp_path / "a.zip")
    for mode, name in (("w", "b.tar"), ("w:gz", "c.tar.gz"), ("w:xz", "d.tar.xz")):
        with tarfile.open(tmp_path / name, mode) as t:
            t.add(folder / "grey8.png", "grey8.png")
        archives.append(tmp_path / name)
    subprocess.run(["bsdtar", "--format", "7zip", "-cf", str(tmp_path / "e.7z"), "-C", str(folder), "grey8.png"],
                   check=True)
    archives.append(tmp_path / "e.7z")

    out, completed, items = convert(tmp_path, *archives)
    assert completed.returncode == 0, completed.stderr
    assert set(items) == {f"{tmp_path / 'a.zip'}!grey8.png", f"{tmp_path / 'a.zip'}!sub/pages.tif"} | {
        f"{a}!grey8.png" for a in archives[1:]}
    expected = expected_frames(IMAGES / "grey8.png")
    for name, item in items.items():
        assert item["status"] == "ok"
        path = out / item["outputs"][0]
        if name.endswith("grey8.png"):
            assert np.array_equal(stored_frames(pydicom.dcmread(path)), expected)
        else:
            assert int(pydicom.dcmread(path).NumberOfFrames) == 3
        assert dciodvfy_errors(path) == []


def test_hostile_entries_fail_alone_and_the_rest_converts(tmp_path):
    good = (IMAGES / "grey8.png").read_bytes()
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("good.png", good)
        z.writestr("../escape.png", good)                     # zip-slip
        z.writestr("/etc/absolute.png", good)                 # absolute path
        z.writestr("bomb.png", bytes(50_000_000))             # 50 MB of zeros, a few KB compressed
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as nested:
            nested.writestr("inner.png", good)
        z.writestr("nested.zip", inner.getvalue())
    # An encrypted entry (ZipCrypto) beside a plain one.
    (tmp_path / "plain.png").write_bytes(good)
    (tmp_path / "secret.png").write_bytes(good)
    subprocess.run(["bsdtar", "--format", "zip", "--options", "zip:encryption=zipcrypt", "--passphrase", "secret",
                    "-cf", str(tmp_path / "encrypted.zip"), "-C", str(tmp_path), "secret.png"], check=True)
    # A tar.gz cut in the middle of its second entry.
    whole = io.BytesIO()
    with tarfile.open(fileobj=whole, mode="w:gz") as t:
        for name, data in (("first.png", good), ("second.png", os.urandom(400_000))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(whole.getvalue()[: len(whole.getvalue()) * 2 // 3])

    out, completed, items = convert(tmp_path, hostile, tmp_path / "encrypted.zip", truncated,
                                    extra=["--max-entry-bytes", "10000000"])
    assert completed.returncode == 1
    status = {name.split("!")[-1]: (item["status"], item["error"]) for name, item in items.items()}
    assert status["good.png"][0] == "ok"
    assert status["first.png"][0] == "ok"
    assert "zip-slip" in status["../escape.png"][1]
    assert "zip-slip" in status["/etc/absolute.png"][1]
    assert "--max-entry-bytes" in status["bomb.png"][1]
    assert "nested archive" in status["nested.zip"][1]
    assert "encrypted" in status["secret.png"][1]
    assert status["second.png"] == ("failed", "cannot read the archive entry: truncated gzip input")
    for name, item in items.items():
        if item["status"] == "failed":
            assert f"{name}: " in completed.stderr
    assert not (tmp_path / "escape.png").exists() and not (out.parent / "escape.png").exists()
