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


def web_services(url):
    found = json.loads(run_dcmflow("capabilities", url, "--json", check=0).stdout)
    return found, {s["service"]: s for s in found["services"]}


def test_orthanc_dicomweb_offers_qido_wado_stow_but_no_capabilities_or_ups(orthanc, tmp_path):  # noqa: F811
    root = f"http://127.0.0.1:{orthanc.http_port}/dicom-web"
    found, services = web_services(root)
    assert services["Capabilities (OPTIONS, WADL)"]["support"] == "not supported"
    assert services["Capabilities (OPTIONS, WADL)"]["evidence"] == "OPTIONS /: 404"
    assert services["QIDO-RS"]["support"] == "supported"
    assert services["WADO-RS"]["support"] == "unknown"  # nothing to retrieve yet
    assert services["STOW-RS"]["support"] == "supported"
    assert services["UPS-RS"]["support"] == "not supported"
    assert JPEG_LS in found["transfer_syntaxes"] and HTJ2K not in found["transfer_syntaxes"]
    assert orthanc.count_instances() == 0  # the STOW probe stored nothing

    import numpy as np
    from PIL import Image
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(tmp_path / "one.png")
    run_dcmflow("convert", tmp_path / "one.png", "-o", tmp_path / "out", "--set", "PatientID=W", check=0)
    run_dcmflow("store", tmp_path / "out" / "one.dcm", "--to", orthanc.url, check=0)
    found, services = web_services(root)
    assert services["WADO-RS"]["support"] == "supported"
    assert services["WADO-RS rendered"]["support"] == "supported"
    assert orthanc.count_instances() == 1


def test_codec_auto_for_orthanc_over_stow_reads_its_accepted_syntaxes(orthanc, tmp_path):  # noqa: F811
    (tmp_path / "pages").mkdir()
    job = tmp_path / "job.yaml"
    job.write_text(f"inputs: [pages]\nattributes: {{PatientID: P}}\ncodec: auto\n"
                   f"destinations: ['http://127.0.0.1:{orthanc.http_port}/dicom-web']\n")
    assert "gets jpegls" in run_dcmflow("run", job, "--preflight", check=0).stdout


WADL = """<?xml version="1.0"?>
<application xmlns="http://wadl.dev.java.net/2009/02">
  <resources base="{base}">
    <resource path="studies"><method name="GET"/><method name="POST"/></resource>
    <resource path="workitems"><method name="GET"/></resource>
  </resources>
</application>"""


def test_a_served_wadl_is_read_and_each_status_classified(tmp_path):
    """No server installed here serves PS3.18's WADL: a strict stand-in that serves one
    and answers each probe with a status of its own kind."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, status, body=b"", content_type="application/dicom+json"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self):  # noqa: N802
            assert self.path == "/dicom-web", self.path
            self.reply(200, WADL.format(base=self.path).encode(), "application/vnd.sun.wadl+xml")

        def do_GET(self):  # noqa: N802
            if self.path == "/dicom-web/studies?limit=1":
                return self.reply(204)
            if self.path == "/dicom-web/workitems?limit=1":
                return self.reply(401)
            return self.reply(404)

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.reply(409 if self.path == "/dicom-web/studies" else 404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found, services = web_services(f"http://127.0.0.1:{server.server_port}/dicom-web")
    finally:
        server.shutdown()
    assert found["wadl_resources"] == ["studies", "workitems"]
    assert services["Capabilities (OPTIONS, WADL)"]["support"] == "supported"
    assert services["QIDO-RS"]["support"] == "supported"            # 204: no match, but answered
    assert services["STOW-RS"]["support"] == "supported"            # 409 to an empty request: it is there
    assert services["UPS-RS"]["support"] == "unknown"               # 401: needs credentials
    assert services["UPS-RS"]["evidence"] == "GET /workitems?limit=1: 401 application/dicom+json"
    assert found["transfer_syntaxes"] == []


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
