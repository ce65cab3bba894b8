"""dcmflow bench: the table, CSV, JSON and HTML reports carry every codec, real ratios and
errors (lossless: none; near-lossless: within NEAR). Speeds are not asserted here: they
are measured in bench/, never in a test."""

import csv
import io
import json
import os
import pathlib
import subprocess

import pytest

from dcmflow_testing import SOURCE_DIR, run_dcmflow

CODECS = "rle,jpegls,jpegls-near:3,j2k,htj2k,jpeg:85,deflate"


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-frames")
    subprocess.run(["/usr/bin/python3", SOURCE_DIR / "datasets" / "make_bench_frames.py", folder, "--small"],
                   check=True)
    return folder


def test_table_lists_every_codec_with_ratio_and_errors(frames):
    completed = run_dcmflow("bench", frames, "--codecs", CODECS, "--min-seconds", "0", check=0)
    rows = {line.split()[0]: line.split() for line in completed.stdout.splitlines()
            if line and line.split()[0] in CODECS.split(",")}
    assert set(rows) == set(CODECS.split(","))
    assert rows["jpegls"][-1] == "lossless" and rows["jpegls"][-2] == "0"
    assert int(rows["jpegls-near:3"][-2]) <= 3
    assert float(rows["jpegls"][2]) > 1.5  # report pages and CT compress well
    assert "jpeg:85 skipped" in completed.stdout and "ct_slice.png" in completed.stdout  # 16-bit


def test_csv_and_json_agree(frames, tmp_path):
    run_dcmflow("bench", frames, "--codecs", CODECS, "--min-seconds", "0", "--format", "csv",
                "-o", tmp_path / "b.csv", check=0)
    run_dcmflow("bench", frames, "--codecs", CODECS, "--min-seconds", "0", "--format", "json",
                "-o", tmp_path / "b.json", check=0)
    table = list(csv.DictReader(io.StringIO((tmp_path / "b.csv").read_text())))
    report = json.loads((tmp_path / "b.json").read_text())
    assert [row["codec"] for row in table] == CODECS.split(",")
    for row, entry in zip(table, report["codecs"]):
        assert row["codec"] == entry["codec"]
        assert int(row["compressed_bytes"]) == entry["compressed_bytes"]  # deterministic encoders
        assert entry["encode_mb_per_s"]["one_thread"] > 0
    assert report["frames"] == 4


def test_encode_only_measures_just_the_ceiling(frames, tmp_path):
    run_dcmflow("bench", frames, "--codecs", "rle,jpegls", "--min-seconds", "0", "--encode-only", "--format", "json",
                "-o", tmp_path / "b.json", check=0)
    report = json.loads((tmp_path / "b.json").read_text())
    for entry in report["codecs"]:
        assert entry["encode_mb_per_s"]["all_threads"] > 0 and entry["compressed_bytes"] > 0
        assert entry["encode_mb_per_s"]["one_thread"] is None  # not measured: null, not a made-up 0
        assert entry["decode_mb_per_s"] == {"one_thread": None, "all_threads": None}
    table = run_dcmflow("bench", frames, "--codecs", "jpegls", "--min-seconds", "0", "--encode-only", check=0).stdout
    row = next(line.split() for line in table.splitlines() if line.startswith("jpegls"))
    assert row[3] == "-" and row[5] == "-" and float(row[4]) > 0


def test_html_report_has_bar_charts_for_people(frames, tmp_path):
    completed = run_dcmflow("bench", frames, "--codecs", CODECS, "--min-seconds", "0", "--format", "html",
                            "-o", tmp_path / "bench.html", check=0)
    html = (tmp_path / "bench.html").read_text()
    assert html.count("<svg") == 3
    for codec in CODECS.split(","):
        assert codec in html
    assert "report: " in completed.stdout


def test_unknown_codec_is_a_usage_error(frames):
    completed = run_dcmflow("bench", frames, "--codecs", "rle,webp", check=2)
    assert "webp" in completed.stderr
