"""Credentials in a destination's URL, and patient data, never reach what dcmflow prints or
writes besides the DICOM files (stdout, stderr, report.json, report.html, the hand-over
lists and their names, the journal); credentials are refused over plain http:// unless the
URL allows it."""

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
    # Nobody listens there: the destination is given up at the outage limit, and why is
    # reported everywhere.
    url = f"http://alice:{SECRET}@127.0.0.1:{unused_port()}/dicom-web?allow_insecure=1&max_attempts=1"
    (tmp_path / "job.yaml").write_text(f"inputs: [pages]\nattributes: {{PatientID: P1}}\n"
                                       f"destinations: ['file://out', '{url}']\nlimits: {{outage_limit: 2}}\n")
    outputs = [run_dcmflow("run", tmp_path / "job.yaml", "--progress", "log", check=4),
               run_dcmflow("run", tmp_path / "job.yaml", "--preflight"),
               run_dcmflow("status", tmp_path / "job.yaml"),
               run_dcmflow("echo", url, check=1),
               run_dcmflow("store", tmp_path / "out", "--to", url, "--outage-limit", "2", check=4)]
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


def test_what_dcmflow_writes_is_readable_by_its_owner_alone(tmp_path):
    """Journal, reports, hand-over lists, DICOM files and the folders holding them carry
    patient data: 0600 and 0700 whatever the umask (they were 0644 and 0755)."""
    from PIL import Image
    pages = tmp_path / "pages"
    pages.mkdir()
    Image.new("L", (30, 20), 128).save(pages / "p.png")
    (tmp_path / "job.yaml").write_text("inputs: [pages]\nattributes: {PatientID: MODES}\n"
                                       "destinations: [file://out/dicom]\nreport: reports\n")
    old = os.umask(0o022)
    try:
        run_dcmflow("run", tmp_path / "job.yaml", "--progress", "none", check=0)
    finally:
        os.umask(old)
    written = [tmp_path / "job.journal.sqlite", *sorted((tmp_path / "reports").iterdir()),
               *sorted((tmp_path / "out" / "dicom").iterdir())]
    assert any(path.suffix == ".dcm" for path in written) and any(path.suffix == ".csv" for path in written)
    for path in written:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name}: {oct(path.stat().st_mode)}"
    for folder in (tmp_path / "out", tmp_path / "out" / "dicom", tmp_path / "reports"):
        assert folder.stat().st_mode & 0o777 == 0o700, f"{folder}: {oct(folder.stat().st_mode)}"


def test_patient_data_never_reaches_what_dcmflow_prints_or_writes_besides_the_dicom_files(tmp_path):
    """A PHI canary in the manifest (names, IDs, birth dates), with rows that fail on those very
    values: messages point at the manifest's row and column, never at the value, and the
    journal, the reports and the lists hold none of it (the DICOM files alone do)."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("a", "b", "c", "d"):
        shutil.copy(IMAGES / "grey8.png", pages / f"{name}.png")
    too_long = "CANARY^PHI" + "X" * 70
    (tmp_path / "manifest.csv").write_text(
        "file,PatientID,PatientName,PatientBirthDate,PatientSex\n"
        "pages/a.png,PHI-CANARY-1,CANARY^PHI,19700101,F\n"
        f"pages/b.png,PHI-CANARY-2,{too_long},19700101,F\n"
        "pages/c.png,PHI-CANARY-3,CANARY^PHI,20990101,F\n"
        "pages/d.png,PHI-CANARY-4,CANARY^PHI,19700101,Q\n", encoding="utf-8")
    (tmp_path / "job.yaml").write_text("inputs: [pages]\nmanifest: manifest.csv\ndestinations: [file://out]\n"
                                       "report: reports\n")
    outputs = [run_dcmflow("run", tmp_path / "job.yaml", "--progress", "log", check=1),
               run_dcmflow("run", tmp_path / "job.yaml", "--preflight"),
               run_dcmflow("status", tmp_path / "job.yaml")]
    printed = "".join(completed.stdout + completed.stderr for completed in outputs)
    assert "1 stored, 3 failed" in outputs[0].stdout, outputs[0].stdout
    assert "manifest.csv:3:3" in printed  # where, not what
    canaries = [b"CANARY", b"PHI-CANARY", b"20990101"]
    for canary in canaries:
        assert canary.decode() not in printed
    for written in everything_written(tmp_path, but=tmp_path / "manifest.csv"):
        for canary in canaries:
            assert canary not in written
    assert any(b"PHI-CANARY-1" in path.read_bytes() for path in (tmp_path / "out").rglob("*.dcm"))
