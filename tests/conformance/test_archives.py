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

from dcmflow_testing import dciodvfy_errors, dcmflow_binary, expected_frames, run_dcmflow, stored_frames

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


def zip_with_raw_names(path, names, data):
    """A zip whose entry names are the bytes given, with the UTF-8 flag (bit 11) clear: what
    Chinese Windows' own zip tool writes (names in GBK)."""
    import struct
    import zlib
    local, central = b"", b""
    for name in names:
        crc = zlib.crc32(data)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, len(data), len(data),
                               len(name), 0, 0, 0, 0, 0, len(local)) + name
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0)
        local += name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(central), len(local), 0)
    path.write_bytes(local + central + end)


def test_entry_names_in_utf8_and_in_gbk_are_read_whatever_the_locale(tmp_path):
    data = (IMAGES / "grey8.png").read_bytes()
    with zipfile.ZipFile(tmp_path / "unicode.zip", "w") as archive:  # Python sets the UTF-8 flag
        archive.writestr("报告/胸部CT.png", data)
        archive.writestr("Amélie.png", data)
    zip_with_raw_names(tmp_path / "gbk.zip", ["扫描/病历.png".encode("gbk")], data)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LC_") and key != "LANG"}
    for extra, gbk_name in (([], None), (["--archive-encoding", "gbk"], "gbk.zip!扫描/病历.png")):
        out = tmp_path / f"out{len(extra)}"
        completed = subprocess.run([dcmflow_binary(), "convert", tmp_path / "unicode.zip", tmp_path / "gbk.zip",
                                    "-o", out, "--allow-missing-patient-id", *extra],
                                   capture_output=True, text=True, env=dict(environment, LC_ALL="C"))
        assert completed.returncode == 0, completed.stderr  # never refused as "zip-slip" for a name
        names = set()
        for item in json.loads((out / "report.json").read_text())["items"]:
            archive, _, entry = item["input"].partition("!")
            names.add(pathlib.Path(archive).name + "!" + entry)
        assert {"unicode.zip!报告/胸部CT.png", "unicode.zip!Amélie.png"} <= names, names
        if gbk_name:
            assert gbk_name in names, names
        else:  # the zip specification's code page: readable bytes, if not the right characters
            assert any(name.startswith("gbk.zip!") and name != "gbk.zip!" for name in names), names
