"""dcmflow capabilities: what a real peer accepts, asked context by context before anything
is sent. Orthanc 1.10 takes every syntax dcmflow writes for Secondary Capture but HTJ2K (and
calls that refusal "abstract syntax not supported"); DCMTK's storescp takes only
uncompressed ones by default, and what its profile file lists otherwise."""

import json

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset

from dcmflow_testing import run_dcmflow
from peer_fixtures import StoreSCP, orthanc, storescp  # noqa: F401 (fixtures)

EXPLICIT = "1.2.840.10008.1.2.1"
DEFLATE = "1.2.840.10008.1.2.1.99"
RLE = "1.2.840.10008.1.2.5"
JPEG_LS = "1.2.840.10008.1.2.4.80"
J2K = "1.2.840.10008.1.2.4.90"
HTJ2K = "1.2.840.10008.1.2.4.201"
IMAGE_CLASSES = ["1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.7.2", "1.2.840.10008.5.1.4.1.1.7.3",
                 "1.2.840.10008.5.1.4.1.1.7.4"]
PDF = "1.2.840.10008.5.1.4.1.1.104.1"


def capabilities(url, *extra):
    completed = run_dcmflow("capabilities", url, "--json", *extra, check=0)
    found = json.loads(completed.stdout)
    answers = {(c["sop_class"], c["transfer_syntax"]): c for c in found["presentation_contexts"]}
    return found, answers


def test_orthanc_takes_every_lossless_syntax_but_htj2k(orthanc):  # noqa: F811
    found, answers = capabilities(orthanc.url)
    for sop_class in IMAGE_CLASSES:
        for syntax in (EXPLICIT, DEFLATE, RLE, JPEG_LS, J2K):
            assert answers[(sop_class, syntax)]["accepted"], (sop_class, syntax)
        refused = answers[(sop_class, HTJ2K)]
        assert not refused["accepted"]
        # Orthanc says "abstract syntax"; the class's uncompressed context shows it is the syntax.
        assert refused["reason"].startswith("transfer syntax not supported (the peer said \"abstract syntax")
    services = {c["sop_class"]: c for c in found["presentation_contexts"] if c["transfer_syntax"] == EXPLICIT}
    assert services["1.2.840.10008.1.1"]["accepted"]          # Verification
    assert services["1.2.840.10008.1.20.1"]["accepted"]       # Storage Commitment
    assert services["1.2.840.10008.5.1.4.1.2.2.1"]["accepted"]  # Study Root FIND
    assert services["1.2.840.10008.5.1.4.34.6.1"]["reason"] == "abstract syntax not supported"  # UPS Push
    assert found["auto_codec"] == "jpegls"


def test_default_storescp_takes_only_uncompressed(storescp):  # noqa: F811
    found, answers = capabilities(storescp.url)
    for sop_class in IMAGE_CLASSES + [PDF]:
        assert answers[(sop_class, EXPLICIT)]["accepted"]
        for syntax in (DEFLATE, RLE, JPEG_LS, J2K, HTJ2K):
            assert answers[(sop_class, syntax)]["reason"] == "transfer syntax not supported", (sop_class, syntax)
    assert found["auto_codec"] == "none"
    table = run_dcmflow("capabilities", storescp.url, check=0).stdout
    assert "codec: auto would send none" in table
    assert "MultiframeTrueColorSecondaryCaptureImageStorage in JPEG-LS Lossless: transfer syntax not supported" in table


STORESCP_PROFILE = """
[[TransferSyntaxes]]
[Uncompressed]
TransferSyntax1 = LittleEndianExplicit
TransferSyntax2 = LittleEndianImplicit
[UncompressedOrRLE]
TransferSyntax1 = LittleEndianExplicit
TransferSyntax2 = LittleEndianImplicit
TransferSyntax3 = RLELossless

[[PresentationContexts]]
[Contexts]
PresentationContext1 = VerificationSOPClass\\Uncompressed
{contexts}

[[Profiles]]
[RleOnly]
PresentationContexts = Contexts
"""


def test_a_storescp_profile_that_adds_rle_makes_auto_choose_rle(tmp_path):
    contexts = []
    for sop_class in ("SecondaryCaptureImageStorage", "MultiframeGrayscaleByteSecondaryCaptureImageStorage",
                      "MultiframeGrayscaleWordSecondaryCaptureImageStorage",
                      "MultiframeTrueColorSecondaryCaptureImageStorage"):
        contexts.append(f"{sop_class}\\UncompressedOrRLE")  # an SCP profile names a class once
    lines = "\n".join(f"PresentationContext{index} = {context}" for index, context in enumerate(contexts, start=2))
    profile = tmp_path / "rle.cfg"
    profile.write_text(STORESCP_PROFILE.format(contexts=lines))
    peer = StoreSCP(tmp_path / "storescp", options=["-xf", str(profile), "RleOnly"])
    job = tmp_path / "job.yaml"
    job.write_text(f"inputs: [pages]\nattributes: {{PatientID: P}}\ncodec: auto\ndestinations: ['{peer.url}']\n")
    (tmp_path / "pages").mkdir()
    try:
        found, answers = capabilities(peer.url)
        preflight = run_dcmflow("run", job, "--preflight", check=0).stdout
    finally:
        peer.stop()
    assert f"codec: auto: {peer.url} gets rle" in preflight
    assert f"warning: {peer.url} refuses EncapsulatedPDFStorage ({PDF}): what dcmflow writes in it will fail there" \
        in preflight
    for sop_class in IMAGE_CLASSES:
        assert answers[(sop_class, RLE)]["accepted"] and not answers[(sop_class, JPEG_LS)]["accepted"]
    assert answers[(PDF, EXPLICIT)]["reason"] == "abstract syntax not supported"  # not in the profile
    assert found["auto_codec"] == "rle"


def test_classes_of_given_files_are_asked_too_over_several_associations(orthanc, tmp_path):  # noqa: F811
    """Eight more classes make 140 contexts: more than one association holds (128)."""
    classes = ["1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.1",
               "1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.12.1",
               "1.2.840.10008.5.1.4.1.1.128", "1.2.840.10008.5.1.4.1.1.481.1"]
    (tmp_path / "legacy").mkdir()
    for index, sop_class in enumerate(classes):
        dataset = Dataset()
        dataset.file_meta = FileMetaDataset()
        dataset.file_meta.TransferSyntaxUID = EXPLICIT
        dataset.file_meta.MediaStorageSOPClassUID = dataset.SOPClassUID = sop_class
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID = pydicom.uid.generate_uid()
        dataset.save_as(tmp_path / "legacy" / f"{index}.dcm", write_like_original=False)
    found, answers = capabilities(orthanc.url, "--for", tmp_path / "legacy")
    assert len(found["presentation_contexts"]) == (5 + 8) * 10 + 10
    assert all(c["reason"] != "not answered" for c in found["presentation_contexts"])
    for sop_class in classes:
        assert answers[(sop_class, EXPLICIT)]["accepted"], sop_class


def test_a_peer_that_is_not_there_is_named_with_the_reason(tmp_path):
    completed = run_dcmflow("capabilities", "dicom://NOBODY@127.0.0.1:1", "--connect-timeout", "2", check=1)
    assert "NOBODY@127.0.0.1:1" in completed.stderr


def test_dicomweb_roots_are_not_probed_yet():
    completed = run_dcmflow("capabilities", "http://127.0.0.1:1/dicom-web", check=2)
    assert "DICOMweb servers are not probed yet" in completed.stderr


def test_codec_auto_sends_each_peer_what_it_accepts_with_no_fallback(orthanc, storescp, tmp_path):  # noqa: F811
    """One job, two peers: Orthanc gets JPEG-LS, the default storescp uncompressed, both the
    same pixels, and neither is ever sent a syntax it then refuses (no "sent uncompressed")."""
    import urllib.request
    import numpy as np
    from PIL import Image
    (tmp_path / "pages").mkdir()
    generator = np.random.default_rng(3)
    sources = {}
    for index in range(4):
        pixels = generator.integers(0, 256, size=(40, 56), dtype=np.uint8)
        Image.fromarray(pixels, "L").save(tmp_path / "pages" / f"p{index}.png")
        sources[f"p{index}"] = pixels
    job = tmp_path / "job.yaml"
    job.write_text(f"inputs: [pages]\nattributes: {{PatientID: AUTO-1}}\ncodec: auto\n"
                   f"destinations: ['{orthanc.url}', '{storescp.url}', file://out]\n")
    preflight = run_dcmflow("run", job, "--preflight", check=0)
    assert f"codec: auto: {orthanc.url} gets jpegls" in preflight.stdout
    completed = run_dcmflow("run", job, "--progress", "none", check=0)
    assert f"codec: auto: {orthanc.url} gets jpegls" in completed.stdout
    assert f"codec: auto: {storescp.url} gets none" in completed.stdout
    assert "codec: auto: file://out gets jpegls" in completed.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert not [note for item in report["items"] for note in item.get("notes", []) if "uncompressed" in note]

    received = storescp.files()
    assert len(received) == 4
    by_uid = {}
    for path in received:
        dataset = pydicom.dcmread(path)
        assert dataset.file_meta.TransferSyntaxUID == EXPLICIT
        by_uid[dataset.SOPInstanceUID] = dataset.pixel_array
    for path in (tmp_path / "out").glob("*.dcm"):
        dataset = pydicom.dcmread(path)
        assert dataset.file_meta.TransferSyntaxUID == JPEG_LS
        assert np.array_equal(by_uid[dataset.SOPInstanceUID], sources[path.stem])
    assert orthanc.count_instances() == 4
    for identifier in orthanc.get("/instances"):
        url = f"http://127.0.0.1:{orthanc.http_port}/instances/{identifier}/metadata/TransferSyntax"
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.read().decode() == JPEG_LS
