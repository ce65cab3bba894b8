"""A migration rides through PACS outages: a real Orthanc SIGKILLed mid-transfer and started
again, a real storescp that refuses every association. Transient faults wait (one probe,
every sender paused), past --outage-limit what needs the destination stays pending (exit 4)
for the next run, and a permanent refusal stops the destination with the peer's words."""

import socket
import sqlite3
import subprocess
import time

import pytest

from dcmflow_testing import dcmflow_binary, run_dcmflow
from peer_fixtures import Orthanc, StoreSCP, free_port
from test_store import make_instances

DESTINATION_UNAVAILABLE = 4


def wait_for_count(peer, count: int, seconds=120):
    deadline = time.monotonic() + seconds
    while peer.count_instances() < count:
        assert time.monotonic() < deadline, f"the PACS never reached {count} instances"
        time.sleep(0.05)


def transcode_job(folder, dicom, peer, more=""):
    """A job sending the DICOM files of `dicom` to `peer` as they are."""
    job = folder / "job.yaml"
    job.write_text(f"inputs: [{{path: '{dicom}', include: ['*.dcm']}}]\nmode: transcode\n"
                   f"destinations: ['{peer.url}']\nthreads: 2\n{more}", encoding="utf-8")
    return job


@pytest.mark.parametrize("outage_s", [3, 20])
def test_one_thousand_instances_ride_through_a_pacs_killed_at_150_and_started_again(tmp_path, outage_s):
    # With the default retries alone (5 attempts over ~3 s) a 3 s restart failed items for good.
    peer = Orthanc(tmp_path / "orthanc")
    try:
        dicom = make_instances(tmp_path, 1000, "jpegls")
        process = subprocess.Popen([dcmflow_binary(), "store", str(dicom), "--to", peer.url, "--associations", "4"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_count(peer, 150)
        peer.kill()
        time.sleep(outage_s)
        peer.start()
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        assert "1000 of 1000 files stored" in out
        assert peer.count_instances() == 1000
        assert "stored after waiting" in err  # the items that met the outage say so
    finally:
        peer.stop()


def test_past_the_outage_limit_a_run_leaves_the_rest_pending_and_the_next_run_carries_on(tmp_path):
    peer = Orthanc(tmp_path / "orthanc")
    try:
        dicom = make_instances(tmp_path, 300, "rle")
        job = transcode_job(tmp_path, dicom, peer, "limits: {outage_limit: 3}\n")
        process = subprocess.Popen([dcmflow_binary(), "run", str(job), "--progress", "none"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_count(peer, 50)
        peer.kill()
        out, err = process.communicate(timeout=300)
        assert process.returncode == DESTINATION_UNAVAILABLE, out + err
        # One message for the destination, not one per item; nothing is failed.
        assert err.count("did not come back within the outage limit (3 s") == 1, err
        assert "0 failed" in out, out
        with sqlite3.connect(tmp_path / "job.journal.sqlite") as database:
            states = dict(database.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall())
        assert states.get("failed", 0) == 0
        assert states.get("pending", 0) > 0
        assert states.get("stored", 0) + states["pending"] == 300

        peer.start()
        again = run_dcmflow("run", job, "--progress", "none", check=0)
        assert "300 stored, 0 failed, 0 pending of 300 items" in again.stdout
        assert peer.count_instances() == 300
    finally:
        peer.stop()


def test_a_permanent_rejection_stops_the_destination_at_once_with_the_peers_words(tmp_path):
    peer = StoreSCP(tmp_path / "storescp", options=["--refuse"])
    try:
        dicom = make_instances(tmp_path, 20, "rle")
        started = time.monotonic()
        completed = run_dcmflow("store", dicom, "--to", peer.url, "--associations", "4", "--calling-ae", "MIGRATE1",
                                check=DESTINATION_UNAVAILABLE)
        assert time.monotonic() - started < 30  # not 20 items x 5 attempts with backoff
        message = [line for line in completed.stderr.splitlines() if "rejected the association" in line]
        assert len(message) == 1, completed.stderr  # said once
        assert "Rejected Permanent" in message[0], message[0]
        assert "MIGRATE1" in message[0] and "STORESCP" in message[0], message[0]  # calling and called AE
        assert "0 of 20 files stored" in completed.stdout
        assert "20 not sent" in completed.stdout
        assert peer.files() == []
    finally:
        peer.stop()


@pytest.mark.parametrize("fault", [["--abort-after"], ["--abort-during"], ["--sleep-during", "5"]])
def test_a_peer_that_never_confirms_a_store_gets_nothing_counted_as_stored(tmp_path, fault):
    """storescp's fault options: it receives each C-STORE and aborts (after or during), or
    sleeps past our DIMSE timeout. Nothing it did not confirm counts as stored: past the
    outage limit the files are left unsent (exit 4), never reported stored or failed."""
    peer = StoreSCP(tmp_path / "storescp", options=fault)
    try:
        dicom = make_instances(tmp_path, 4, "rle")
        completed = run_dcmflow("store", dicom, "--to", peer.url, "--associations", "2", "--max-attempts", "2",
                                "--dimse-timeout", "2", "--outage-limit", "4", check=DESTINATION_UNAVAILABLE)
        assert "0 of 4 files stored" in completed.stdout, completed.stdout
        assert "4 not sent" in completed.stdout, completed.stdout
        assert completed.stderr.count("did not come back within the outage limit (4 s") == 1, completed.stderr
    finally:
        peer.stop()


def test_a_silent_tls_peer_costs_the_connect_timeout_not_a_minute(tmp_path):
    """A peer that accepts TCP and never answers the TLS handshake: each attempt ends at
    connect_timeout_s (it took ~61 s, dcmnet's receive timeout), and the destination is
    waited for like any unreachable one."""
    from peer_fixtures import make_certificates
    certificates = make_certificates(tmp_path / "tls")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        dicom = make_instances(tmp_path, 2, "rle")
        url = (f"dicoms://SILENT@127.0.0.1:{port}?ca={certificates / 'ca.pem'}&connect_timeout_s=2"
               "&max_attempts=1&associations=1")
        started = time.monotonic()
        completed = run_dcmflow("store", dicom, "--to", url, "--outage-limit", "4", check=DESTINATION_UNAVAILABLE)
        elapsed = time.monotonic() - started
    assert elapsed < 30, f"{elapsed:.0f} s"
    assert "did not come back within the outage limit (4 s" in completed.stderr, completed.stderr


def bad_tls_peers(folder):
    """Certificates a dicoms:// client must refuse, each served by `openssl s_server`: expired,
    signed by another CA, self-signed. (A TLS-1.0-only peer is Python's: Debian's OpenSSL 3
    s_server still negotiates TLS 1.2 when asked for TLS 1.0 alone.)"""
    from test_store import make_certificates
    certificates = make_certificates(folder)

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=certificates, check=True, capture_output=True)

    # Expired: the test CA signs the server's request for a month of 2020.
    (certificates / "index.txt").write_text("")
    (certificates / "serial").write_text("01\n")
    (certificates / "ca.cnf").write_text("[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\n"
                                         "serial = serial\ndefault_md = sha256\npolicy = any\n[any]\n"
                                         "commonName = supplied\n")
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "server.csr",
            "-out", "expired.pem", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
            "-extfile", "server.ext")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem",
            "-days", "2", "-subj", "/CN=another CA")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "other-ca.pem", "-CAkey", "other-ca.key",
            "-CAcreateserial", "-out", "other.pem", "-days", "2", "-extfile", "server.ext")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem", "-days", "2",
            "-subj", "/CN=self", "-addext", "subjectAltName=IP:127.0.0.1")
    return certificates, {
        "expired": (["-cert", "expired.pem", "-key", "server.key"], "the peer's certificate: certificate has expired"),
        "other CA": (["-cert", "other.pem", "-key", "server.key"],
                     "the peer's certificate: unable to get local issuer certificate"),
        "self-signed": (["-cert", "self.pem", "-key", "self.key"], "the peer's certificate: self-signed certificate"),
    }


TLS10_PEER = """
import socket, ssl, sys
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.set_ciphers("DEFAULT@SECLEVEL=0")
context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1
context.load_cert_chain(sys.argv[1], sys.argv[2])
with socket.socket() as server:
    server.bind(("127.0.0.1", int(sys.argv[3])))
    server.listen(8)
    while True:
        connection, _ = server.accept()
        try:
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(16)
        except (OSError, ssl.SSLError):
            pass
"""


def test_a_tls_1_0_peer_is_refused_at_once_with_what_it_said(tmp_path):
    """A peer that speaks only TLS 1.0 (Python's ssl, Debian's system-wide floor lifted for it
    alone): the BCP 195 profile refuses it, and the message says which alert ended TLS."""
    certificates, _ = bad_tls_peers(tmp_path / "tls")
    dicom = make_instances(tmp_path, 2, "rle")
    port = free_port()
    script = tmp_path / "tls10_peer.py"
    script.write_text(TLS10_PEER)
    server = subprocess.Popen(["/usr/bin/python3", "-W", "ignore", str(script), "server.pem", "server.key", str(port)],
                              cwd=certificates, env={"OPENSSL_CONF": "/dev/null"})
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "the TLS 1.0 peer did not start"
            time.sleep(0.05)
        url = f"dicoms://PEER@127.0.0.1:{port}?ca={certificates / 'ca.pem'}&max_attempts=1"
        completed = run_dcmflow("store", dicom, "--to", url, check=DESTINATION_UNAVAILABLE)
        assert completed.stderr.count("stopped sending to") == 1, completed.stderr
        assert "the peer ended TLS with the alert" in completed.stderr, completed.stderr
        assert "TLS 1.2 or 1.3" in completed.stderr, completed.stderr
    finally:
        server.kill()
        server.wait()


def test_every_bad_tls_peer_is_refused_at_once_with_what_failed(tmp_path):
    certificates, peers = bad_tls_peers(tmp_path / "tls")
    dicom = make_instances(tmp_path, 3, "rle")
    for name, (options, words) in peers.items():
        port = free_port()
        server = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}", *options],
                                  cwd=certificates, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
                assert time.monotonic() < deadline, f"openssl s_server ({name}) did not start"
                time.sleep(0.05)
            url = f"dicoms://PEER@127.0.0.1:{port}?ca={certificates / 'ca.pem'}&max_attempts=1"
            started = time.monotonic()
            completed = run_dcmflow("store", dicom, "--to", url, check=DESTINATION_UNAVAILABLE)
            assert time.monotonic() - started < 20, name
            assert completed.stderr.count("stopped sending to") == 1, (name, completed.stderr)
            assert words in completed.stderr, (name, completed.stderr)
            assert "0 of 3 files stored" in completed.stdout, (name, completed.stdout)
        finally:
            server.kill()
            server.wait()


def test_a_run_survives_pacs_and_client_kills_with_nothing_lost_repeated_or_failed(tmp_path):
    """Twice: Orthanc SIGKILLed and started again 2 s later, then dcmflow SIGKILLed and run
    again. The last run ends with every item stored, none failed (no --retry-failed), and
    Orthanc holding each instance exactly once."""
    peer = Orthanc(tmp_path / "orthanc")
    try:
        dicom = make_instances(tmp_path, 600, "rle")
        job = transcode_job(tmp_path, dicom, peer)
        for round_number in range(2):
            process = subprocess.Popen([dcmflow_binary(), "run", str(job), "--progress", "none"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for_count(peer, 100 + 200 * round_number)
            peer.kill()
            time.sleep(2)
            peer.start()
            wait_for_count(peer, 200 + 200 * round_number)
            process.kill()
            process.wait()
        last = run_dcmflow("run", job, "--progress", "none", check=0)
        assert "600 stored, 0 failed, 0 pending of 600 items" in last.stdout, last.stdout
        assert peer.count_instances() == 600
        with sqlite3.connect(tmp_path / "job.journal.sqlite") as database:
            states = dict(database.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
        assert states == {"stored": 600}, states
    finally:
        peer.stop()
