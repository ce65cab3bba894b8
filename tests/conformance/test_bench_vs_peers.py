"""scripts/bench-vs-peers.sh's driver (bench/vs_peers.py) on a tiny corpus, one run per row:
every comparison row is made (each tool really produced every file it was asked for and
Orthanc really received every instance: the driver checks both and fails otherwise), the
JSON carries ratios and fractions of the ceiling, and the chart is well-formed SVG.
Speeds are not asserted: they are measured by the script itself, never in a test."""

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from dcmflow_testing import SOURCE_DIR, dcmflow_binary

PEER_TOOLS = ["img2dcm", "dcmcjpls", "dcmcrle", "gdcmimg", "gdcmconv", "storescu", "dcmsend", "soffice", "pdftoppm",
              "Orthanc"]
MISSING = [tool for tool in PEER_TOOLS if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}")]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("vs-peers")
    completed = subprocess.run(
        ["/usr/bin/python3", SOURCE_DIR / "bench" / "vs_peers.py", "--scratch", scratch, "--results", scratch / "results",
         "--runs", "1", "--pages", "2", "--photos", "1", "--ct", "6", "--docs", "2"],
        capture_output=True, text=True, timeout=900, env=dict(os.environ, DCMFLOW=dcmflow_binary()))
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads((scratch / "results" / "latest.json").read_text()), scratch / "results", completed.stdout


@pytest.mark.skipif(bool(MISSING), reason=f"peer tools missing: {MISSING} (scripts/setup.sh --bench)")
def test_every_image_row_against_dcmtk_gdcm_and_the_ceiling(results):
    data, _, _ = results
    images = [row for row in data["rows"] if row["section"] == "images"]
    made = {(row["class"], row["codec"], row["tool"]) for row in images}
    for klass in ("A4 page 200 dpi", "photo 2000x1500 RGB", "CT 512x512 16-bit"):
        for codec in ("jpegls", "rle", "j2k"):
            assert (klass, codec, "dcmflow") in made and (klass, codec, "GDCM") in made
            assert ((klass, codec, "DCMTK") in made) == (codec != "j2k")  # DCMTK has no free J2K encoder
            assert ((klass, codec, "cp (no codec)") in made) == (codec == "rle")  # the I/O floor
    for row in images:
        assert row["seconds"] > 0 and row["cpu_seconds"] > 0 and row["peak_rss_mb"] > 0
        assert 0 < row["fraction_of_ceiling"] and row["ceiling_mb_per_s"] > 0
        if row["tool"] != "dcmflow":
            assert row["dcmflow_ratio"] > 0


@pytest.mark.skipif(bool(MISSING), reason=f"peer tools missing: {MISSING} (scripts/setup.sh --bench)")
def test_documents_and_storing_rows(results):
    data, _, printed = results
    documents = {row["tool"]: row for row in data["rows"] if row["section"] == "documents"}
    peers = {"soffice per document + pdftoppm", f"soffice batch x{os.cpu_count()} + pdftoppm"}
    assert set(documents) == {"dcmflow (RLE Lossless)", "dcmflow (uncompressed)"} | peers
    for peer in peers:
        assert documents[peer]["dcmflow_ratio"] > 0 and documents[peer]["dcmflow_uncompressed_ratio"] > 0
    storing = {(row["tool"], row["parallel"]): row for row in data["rows"] if row["section"] == "storing"}
    assert set(storing) == {("dcmflow", 1), ("dcmflow", 4), ("storescu", 1), ("storescu", 4), ("dcmsend", 1),
                            ("dcmflow STOW-RS", 4)}
    assert all(row["items"] == 6 + 2 for row in storing.values())  # the CT slices and the pages, JPEG-LS
    assert all("vs_storescu" in row for key, row in storing.items() if key[0].startswith("dcmflow"))
    for heading in ("Images -> DICOM", "Documents", "Storing into Orthanc"):
        assert heading in printed


@pytest.mark.skipif(bool(MISSING), reason=f"peer tools missing: {MISSING} (scripts/setup.sh --bench)")
def test_chart_is_svg_with_a_bar_per_row(results):
    data, folder, _ = results
    chart = ElementTree.parse(folder / "latest.svg").getroot()
    assert chart.tag == "{http://www.w3.org/2000/svg}svg"
    bars = chart.findall("{http://www.w3.org/2000/svg}rect")[1:]  # the first is the background
    ceilings = len({(row["class"], row["codec"]) for row in data["rows"] if row["section"] == "images"})
    assert len(bars) == len(data["rows"]) + ceilings
