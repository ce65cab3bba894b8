"""Character sets: names in Chinese, Japanese, Korean, accented Latin and Cyrillic arrive
intact -- read back by pydicom and by DCMTK (dcmdump +U8) as the same Unicode strings --
in UTF-8 and GB18030; GB2312 through ISO 2022 (\\ISO 2022 IR 58) with the escapes of PS3.5
6.1.2.5; latin1 for Latin names. Values a set cannot hold fail their item clearly, and
manifests exported in GB18030 are read."""

import os
import pathlib
import re
import shutil
import subprocess

import pydicom
import pytest

from dcmflow_testing import dciodvfy_errors, run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))

NAMES = {
    "chinese.png": ("Wang^XiaoDong=王^小东=", "北京协和医院"),
    "japanese.png": ("Yamada^Tarou=山田^太郎=やまだ^たろう", "東京病院"),
    "korean.png": ("Hong^Gildong=洪^吉洞=홍^길동", "서울병원"),
    "latin.png": ("Müller^Zoë", "Hôpital Saint-Éloi"),
    "cyrillic.png": ("Иванов^Иван", "Больница"),
}


@pytest.fixture()
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    lines = ["file,PatientID,PatientName,InstitutionName"]
    for number, (name, (person, institution)) in enumerate(NAMES.items()):
        shutil.copy(IMAGES / "grey8.png", folder / name)
        lines.append(f"{name},P{number},{person},{institution}")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def dcmdump_u8(path, keyword):
    """The value DCMTK decodes to UTF-8 (dcmdump +U8)."""
    out = subprocess.run(["dcmdump", "+U8", str(path)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.rstrip().endswith(" " + keyword):
            return re.search(r"\[(.*)\]", line).group(1)
    raise AssertionError(f"{keyword} not in dcmdump output")


def convert(inputs, out, charset, names=NAMES, manifest="manifest.csv", extra=()):
    return run_dcmflow("convert", *[inputs / n for n in names], "-o", out, "--manifest", inputs / manifest,
                       "--charset", charset, *extra)


@pytest.mark.parametrize("charset, specific", [("utf8", "ISO_IR 192"), ("gb18030", "GB18030")])
def test_every_script_survives_utf8_and_gb18030(inputs, tmp_path, charset, specific):
    out = tmp_path / charset
    convert(inputs, out, charset).check_returncode()
    for name, (person, institution) in NAMES.items():
        path = out / name.replace(".png", ".dcm")
        dataset = pydicom.dcmread(path)
        assert dataset.SpecificCharacterSet == specific
        assert dataset.PatientName.original_string.decode(
            "utf-8" if charset == "utf8" else "gb18030").rstrip(" ") == person
        assert dataset.InstitutionName == institution
        assert dcmdump_u8(path, "PatientName") == person
        assert dcmdump_u8(path, "InstitutionName") == institution
        assert dciodvfy_errors(path) == []


def test_gb2312_through_iso2022_uses_the_escapes_of_ps3_5(inputs, tmp_path):
    out = tmp_path / "iso2022"
    completed = convert(inputs, out, "iso2022-gb2312", names=["chinese.png", "korean.png", "latin.png"])
    assert completed.returncode == 1
    path = out / "chinese.dcm"
    dataset = pydicom.dcmread(path)
    assert dataset.SpecificCharacterSet == ["", "ISO 2022 IR 58"]
    # PS3.5 6.1.2.5: designate GB2312 (ESC $ ) A) before the Chinese of each component;
    # the state resets at '^' and '='.
    assert dataset.get_item(0x00100010).value.rstrip(b" ") == (
        b"Wang^XiaoDong=\x1b$)A" + "王".encode("gb2312") + b"^\x1b$)A" + "小东".encode("gb2312") + b"=")
    assert dcmdump_u8(path, "PatientName") == "Wang^XiaoDong=王^小东="
    assert dcmdump_u8(path, "InstitutionName") == "北京协和医院"
    assert dciodvfy_errors(path) == []
    # Hangul and accented letters are not in GB2312: those items fail, naming the set.
    assert "korean.png: PatientName (PN): has characters outside GB2312" in completed.stderr
    assert "latin.png: PatientName (PN): has characters outside GB2312" in completed.stderr


def test_latin1_holds_latin_names_and_refuses_chinese(inputs, tmp_path):
    out = tmp_path / "latin1"
    completed = convert(inputs, out, "latin1", names=["latin.png", "chinese.png"])
    assert completed.returncode == 1
    path = out / "latin.dcm"
    assert pydicom.dcmread(path).SpecificCharacterSet == "ISO_IR 100"
    assert dcmdump_u8(path, "PatientName") == "Müller^Zoë"
    assert dciodvfy_errors(path) == []
    assert "chinese.png: PatientName (PN): has characters the character set cannot hold (ISO_IR 100)" \
        in completed.stderr


@pytest.mark.parametrize("extra", [[], ["--manifest-encoding", "gb18030"]])
def test_manifest_exported_in_gb18030_is_read(inputs, tmp_path, extra):
    text = (inputs / "manifest.csv").read_text(encoding="utf-8")
    (inputs / "gbk.csv").write_bytes(text.encode("gb18030"))
    out = tmp_path / "from-gbk"
    convert(inputs, out, "utf8", names=["chinese.png"], manifest="gbk.csv", extra=extra).check_returncode()
    assert dcmdump_u8(out / "chinese.dcm", "PatientName") == "Wang^XiaoDong=王^小东="
