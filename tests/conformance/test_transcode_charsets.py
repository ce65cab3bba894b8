"""transcode reads the character sets of pydicom's charset samples (ISO 8859, ISO 2022 with
Japanese, Korean and Chinese code extensions, UTF-8) and re-encodes text into the target set;
--assume-charset repairs text whose declared set is missing or wrong."""

import re
import subprocess

import pydicom
import pytest

from dcmflow_testing import CORPUS, run_dcmflow

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")

SAMPLES = sorted((CORPUS / "dicom" / "charset").glob("*.dcm")) if CORPUS.is_dir() else []
NO_SOP_INSTANCE = "pydicom-chrSQEncoding.dcm"  # a charset sample without SOP UIDs: cannot be a Part 10 file


def text_values(dataset):
    """Every PN, LO, SH, ST, LT, UT value pydicom decodes, by tag (top level)."""
    return {element.tag: str(element.value) for element in dataset
            if element.VR in ("PN", "LO", "SH", "ST", "LT", "UT") and element.value not in (None, "")}


def dcmdump_u8(path, keyword):
    out = subprocess.run(["dcmdump", "+U8", str(path)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.rstrip().endswith(" " + keyword):
            return re.search(r"\[(.*)\]", line).group(1)
    return None


@pytest.fixture(scope="module")
def to_utf8(tmp_path_factory):
    out = tmp_path_factory.mktemp("utf8")
    completed = run_dcmflow("transcode", CORPUS / "dicom" / "charset", "-o", out, "--charset", "utf8")
    return out, completed


@pytest.mark.parametrize("source", [s for s in SAMPLES if s.name != NO_SOP_INSTANCE], ids=lambda p: p.name)
def test_every_sample_set_is_read_and_written_as_utf8(to_utf8, source):
    out, _ = to_utf8
    result = pydicom.dcmread(out / source.name)
    original = pydicom.dcmread(source)
    assert result.SpecificCharacterSet == "ISO_IR 192"
    assert text_values(result) == text_values(original)  # pydicom's own decoding of the source
    if "PatientName" in original:
        assert dcmdump_u8(out / source.name, "PatientName") == str(original.PatientName).rstrip("=") or \
            dcmdump_u8(out / source.name, "PatientName").rstrip("=") == str(original.PatientName).rstrip("=")


def test_an_object_without_sop_instance_fails_with_the_reason(to_utf8):
    _, completed = to_utf8
    assert f"{NO_SOP_INSTANCE}: cannot transcode: SOP Class or SOP Instance UID missing" in completed.stderr


def test_chinese_to_gb18030_and_traditional_characters_refused_by_gb2312(tmp_path):
    source = CORPUS / "dicom" / "charset" / "pydicom-chrX1.dcm"
    run_dcmflow("transcode", source, "-o", tmp_path / "gb", "--charset", "gb18030", check=0)
    result = pydicom.dcmread(tmp_path / "gb" / source.name)
    assert result.SpecificCharacterSet == "GB18030"
    assert str(result.PatientName) == str(pydicom.dcmread(source).PatientName)
    # 東 is a traditional character: GB2312 (simplified) cannot hold it.
    completed = run_dcmflow("transcode", source, "-o", tmp_path / "iso", "--charset", "iso2022-gb2312", check=1)
    assert "(0010,0010) PN: has characters outside GB2312" in completed.stderr


def test_assume_charset_repairs_gbk_text_declared_as_latin1(tmp_path):
    source = CORPUS / "dicom" / "pydicom-CT_small.dcm"
    dataset = pydicom.dcmread(source)
    dataset.SpecificCharacterSet = "ISO_IR 100"                 # the lie legacy HIS exports tell
    dataset.PatientName = "王^小东".encode("gbk")                # the truth in the bytes
    dataset.InstitutionName = "北京协和医院".encode("gbk")
    broken = tmp_path / "broken.dcm"
    dataset.save_as(broken)
    run_dcmflow("transcode", broken, "-o", tmp_path / "fixed", "--assume-charset", "gb18030",
                "--charset", "utf8", check=0)
    fixed = tmp_path / "fixed" / "broken.dcm"
    assert pydicom.dcmread(fixed).SpecificCharacterSet == "ISO_IR 192"
    assert dcmdump_u8(fixed, "PatientName") == "王^小东"
    assert dcmdump_u8(fixed, "InstitutionName") == "北京协和医院"
    # Only --assume-charset: the label is repaired, the bytes stay GB18030 (a GBK superset).
    run_dcmflow("transcode", broken, "-o", tmp_path / "label", "--assume-charset", "gb18030", check=0)
    relabelled = pydicom.dcmread(tmp_path / "label" / "broken.dcm")
    assert relabelled.SpecificCharacterSet == "GB18030"
    assert str(relabelled.PatientName) == "王^小东"


def test_a_job_file_repairs_and_recodes_as_the_command_line_does(tmp_path):
    # The same repair as --assume-charset/--charset, written in a job: run and transcode
    # plan one spec, so the job's objects carry the same repaired text.
    source = CORPUS / "dicom" / "pydicom-CT_small.dcm"
    dataset = pydicom.dcmread(source)
    dataset.SpecificCharacterSet = "ISO_IR 100"
    dataset.PatientName = "王^小东".encode("gbk")
    (tmp_path / "legacy").mkdir()
    dataset.save_as(tmp_path / "legacy" / "broken.dcm")
    (tmp_path / "job.yaml").write_text(
        "inputs: [legacy]\nmode: transcode\nassume_charset: gb18030\nrecode_charset: utf8\n"
        "destinations: [file://out]\n", encoding="utf-8")
    run_dcmflow("run", tmp_path / "job.yaml", check=0)
    fixed = next((tmp_path / "out").rglob("*.dcm"))
    assert pydicom.dcmread(fixed).SpecificCharacterSet == "ISO_IR 192"
    assert dcmdump_u8(fixed, "PatientName") == "王^小东"
