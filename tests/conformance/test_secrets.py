"""Credentials in a destination's URL never reach what dcmflow prints or writes besides the
DICOM files (stdout, stderr, report.json, report.html, the hand-over lists and their names,
the journal), and are refused over plain http:// unless the URL allows it."""

import os
import pathlib
import shutil
import socket

from dcmflow_testing import run_dcmflow

IMAGES = pathlib.Path(os.environ.get("DCMFLOW_TEST_IMAGES", ""))
SECRET = "CANARY-8f3a1c-SECRET"


def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def everything_written(folder, but):
    """Every file below `folder` but DICOM files and `but` (the user's own), and the names of all."""
    for path in folder.rglob("*"):
        yield path.name.encode()
        if path.is_file() and path.suffix != ".dcm" and path != but:
            yield path.read_bytes()


def test_a_password_in_a_url_is_never_printed_or_written(tmp_path):
    (tmp_path / "pages").mkdir()
    shutil.copy(IMAGES / "grey8.png", tmp_path / "pages" / "scan.png")
    # Nobody listens there: every store fails, and the failure is reported everywhere.
    url = f"http://alice:{SECRET}@127.0.0.1:{unused_port()}/dicom-web?allow_insecure=1&max_attempts=1"
    (tmp_path / "job.yaml").write_text(f"inputs: [pages]\nattributes: {{PatientID: P1}}\n"
                                       f"destinations: ['file://out', '{url}']\n")
    outputs = [run_dcmflow("run", tmp_path / "job.yaml", "--progress", "log", check=1),
               run_dcmflow("run", tmp_path / "job.yaml", "--preflight"),
               run_dcmflow("status", tmp_path / "job.yaml"),
               run_dcmflow("echo", url, check=1),
               run_dcmflow("store", tmp_path / "out", "--to", url)]
    printed = "".join(completed.stdout + completed.stderr for completed in outputs)
    assert "alice:***@127.0.0.1" in printed  # the destination is still named, less its password
    assert SECRET not in printed
    for written in everything_written(tmp_path, but=tmp_path / "job.yaml"):
        assert SECRET.encode() not in written


def test_credentials_over_plain_http_are_refused(tmp_path):
    url = f"http://alice:{SECRET}@127.0.0.1:{unused_port()}/dicom-web"
    completed = run_dcmflow("echo", url, check=2)
    assert "credentials would travel unencrypted over http://: use https://, or add allow_insecure=1" \
        in completed.stderr
    assert SECRET not in completed.stdout + completed.stderr
