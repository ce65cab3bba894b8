"""Storing to real peers over DIMSE and STOW-RS: a real Orthanc and DCMTK's storescp (tests/conformance/
peers.py starts them on free loopback ports). What arrives is counted by the peer itself and
decoded by pydicom."""

import json
import pathlib
import sqlite3
import subprocess
import time

import numpy as np
import pydicom
import pytest
from PIL import Image

from dcmflow_testing import dcmflow_binary, run_dcmflow
from peer_fixtures import Orthanc, StoreSCP, make_certificates, orthanc, storescp, tls_orthanc  # noqa: F401 (fixtures)
from stow_proxy import StowProxy


def make_instances(folder: pathlib.Path, count: int, codec: str, size=(24, 16)) -> pathlib.Path:
    """`count` distinct small images converted into DICOM with `codec`."""
    images = folder / "images"
    images.mkdir(parents=True)
    generator = np.random.default_rng(count)
    for index in range(count):
        pixels = generator.integers(0, 256, size=(size[1], size[0]), dtype=np.uint8)
        Image.fromarray(pixels, "L").save(images / f"img-{index:05d}.png")
    out = folder / "dicom"
    run_dcmflow("convert", images, "-o", out, "--codec", codec, "--set", "PatientID=STORE-1",
                "--set", "PatientName=STORE^TEST", check=0)
    return out


def test_storing_into_a_folder_copies_every_file_and_prints_only_the_summary(tmp_path):
    dicom = make_instances(tmp_path, 3, "rle")
    (dicom / "report.json").unlink()
    completed = run_dcmflow("store", dicom, "--to", f"file://{tmp_path / 'copy'}", check=0)
    assert completed.stdout == "store: 3 of 3 files stored\n"
    assert completed.stderr == ""  # DCMTK, stopping where it is asked to, says nothing
    for source in dicom.rglob("*.dcm"):
        assert (tmp_path / "copy" / source.relative_to(dicom)).read_bytes() == source.read_bytes()


def test_echo_answers_and_a_closed_port_fails_clearly(orthanc):
    assert "answered" in run_dcmflow("echo", orthanc.url, check=0).stdout
    closed = f"dicom://NOBODY@127.0.0.1:{orthanc.http_port + 0}"  # an HTTP port speaks no DICOM
    completed = run_dcmflow("echo", closed, "--connect-timeout", "3", check=1)
    assert f"127.0.0.1:{orthanc.http_port}" in completed.stderr


def test_bad_dicom_urls_are_usage_errors():
    for url, message in [("dicom://host:104", "expected dicom://CALLED_AE@host:port"),
                         ("dicom://AE@host", "expected a host and a port"),
                         ("dicom://AE@host:99999", "port"),
                         ("dicom://AE@host:104?associatons=2", "unknown option 'associatons'")]:
        completed = run_dcmflow("store", ".", "--to", url, check=2)
        assert message in completed.stderr, completed.stderr


def test_one_thousand_instances_over_four_associations_arrive_exactly_once(orthanc, tmp_path):
    dicom = make_instances(tmp_path, 1000, "jpegls")
    completed = run_dcmflow("store", dicom, "--to", orthanc.url, "--associations", "4", check=0)
    assert "1000 of 1000 files stored" in completed.stdout
    assert orthanc.count_instances() == 1000
    # Sending again changes nothing at the PACS (same UIDs).
    run_dcmflow("store", dicom, "--to", orthanc.url, "--associations", "4", check=0)
    assert orthanc.count_instances() == 1000


def test_a_job_stores_straight_from_memory_and_journals_each_delivery(orthanc, tmp_path):
    images = tmp_path / "pages"
    images.mkdir()
    for index in range(5):
        Image.fromarray(np.full((20, 30), index * 40, dtype=np.uint8), "L").save(images / f"p{index}.png")
    job = tmp_path / "job.yaml"
    job.write_text(f"inputs: [pages]\nattributes: {{PatientID: JOB-1}}\ncodec: jpegls\n"
                   f"destinations: ['{orthanc.url}?associations=2', file://out]\n")
    run_dcmflow("run", job, "--progress", "none", check=0)
    assert orthanc.count_instances() == 5
    with sqlite3.connect(tmp_path / "job.journal.sqlite") as database:
        rows = database.execute("SELECT destination, count(*) FROM deliveries GROUP BY destination").fetchall()
    assert sorted(rows) == sorted([(f"{orthanc.url}?associations=2", 5), ("file://out", 5)])


@pytest.mark.parametrize("codec, syntax", [("jpegls", "1.2.840.10008.1.2.4.80"), ("htj2k", "1.2.840.10008.1.2.4.201")])
def test_a_peer_that_refuses_compressed_syntaxes_receives_the_same_pixels_uncompressed(storescp, tmp_path, codec,
                                                                                      syntax):
    dicom = make_instances(tmp_path, 3, codec, size=(33, 21))
    completed = run_dcmflow("store", dicom, "--to", storescp.url, "--associations", "1", check=0)
    assert "skipped 1 files in folders that are not DICOM Part 10" in completed.stderr  # report.json
    assert f"sent uncompressed: the peer does not accept {syntax}" in completed.stderr
    stem_of = {pydicom.dcmread(path).SOPInstanceUID: path.stem for path in dicom.glob("*.dcm")}
    received = storescp.files()
    assert len(received) == 3
    for path in received:
        dataset = pydicom.dcmread(path)
        assert dataset.file_meta.TransferSyntaxUID in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
        source = np.asarray(Image.open(tmp_path / "images" / f"{stem_of[dataset.SOPInstanceUID]}.png"))
        assert np.array_equal(dataset.pixel_array, source)


def test_transcode_never_fails_the_items_a_peer_refuses(storescp, tmp_path):
    dicom = make_instances(tmp_path, 2, "jpegls")
    completed = run_dcmflow("store", dicom, "--to", storescp.url, "--associations", "1", "--transcode", "never",
                            check=1)
    assert "does not accept transfer syntax 1.2.840.10008.1.2.4.80 and transcoding is off" in completed.stderr
    assert storescp.files() == []


def test_store_asks_every_destination_whatever_the_others_answered(tmp_path):
    """`dcmflow store --to A --to B --to C` with A refusing every file: B and C still get every
    file, and the summary gives each destination's count. (`store` used to stop at the first
    refusal, so the folder and the peer after it received nothing.)"""
    good = StoreSCP(tmp_path / "good", aet="GOOD", accept_all=True)
    refusing = StoreSCP(tmp_path / "refusing", aet="REFUSING")
    try:
        dicom = make_instances(tmp_path, 3, "jpegls")
        folder = f"file://{tmp_path / 'out'}"
        completed = run_dcmflow("store", dicom, "--to", f"{refusing.url}?transcode=never", "--to", folder,
                                "--to", good.url, "--associations", "1", check=1)
        assert completed.stderr.count("transcoding is off") == 3, completed.stderr
        assert refusing.files() == []
        assert len(list((tmp_path / "out").rglob("*.dcm"))) == 3
        assert len(good.files()) == 3
        assert "0 of 3 files stored (3 failed)" in completed.stdout
        per_destination = {line.split(": ", 1)[0].strip(): line.split(": ", 1)[1]
                           for line in completed.stdout.splitlines() if line.startswith("  ")}
        assert per_destination == {f"{refusing.url}?transcode=never": "0 stored, 3 failed", folder: "3 stored",
                                   good.url: "3 stored"}, completed.stdout
    finally:
        good.stop()
        refusing.stop()


def test_each_destination_s_answer_is_journalled_whatever_the_others_did(tmp_path):
    """A folder, a peer that takes everything and one that refuses the syntax: the first two
    hold every instance and the journal, the lists and verify say so; the third's failures
    are listed against it alone, with the instances' UIDs. (The journal used to record no
    delivery at all once one destination failed.)"""
    good = StoreSCP(tmp_path / "good", aet="GOOD", accept_all=True)
    refusing = StoreSCP(tmp_path / "refusing", aet="REFUSING")
    try:
        images = tmp_path / "pages"
        images.mkdir()
        for index in range(3):
            Image.fromarray(np.full((20, 30), index * 40, dtype=np.uint8), "L").save(images / f"p{index}.png")
        job = tmp_path / "job.yaml"
        job.write_text("inputs: [pages]\nattributes: {PatientID: DEST-1}\ncodec: jpegls\nreport: reports\n"
                       f"destinations: ['file://out', '{good.url}', '{refusing.url}?transcode=never']\n")
        completed = run_dcmflow("run", job, "--progress", "none", check=1)
        assert "transcoding is off" in completed.stderr
        assert len(list((tmp_path / "out").glob("*.dcm"))) == 3 and len(good.files()) == 3
        assert refusing.files() == []
        with sqlite3.connect(tmp_path / "job.journal.sqlite") as database:
            rows = database.execute("SELECT destination, state, count(*) FROM deliveries GROUP BY destination, state")
            by_destination = {(destination, state): count for destination, state, count in rows}
        assert by_destination == {("file://out", "stored"): 3, (good.url, "stored"): 3,
                                  (f"{refusing.url}?transcode=never", "failed"): 3}
        lists = {path.name: path.read_text().splitlines()[1:] for path in (tmp_path / "reports").glob("*.csv")}
        good_lists = [name for name in lists if "GOOD" in name]
        refusing_lists = [name for name in lists if "REFUSING" in name]
        for name in good_lists + [name for name in lists if name.endswith("file_out.csv")]:
            expected = 3 if name.startswith("success.") else 0
            assert len(lists[name]) == expected, (name, lists[name])
        failures = [lists[name] for name in refusing_lists if name.startswith("failure.")][0]
        assert len(failures) == 3 and all(row.split(",")[1].startswith("2.25.") for row in failures), failures
    finally:
        good.stop()
        refusing.stop()


def test_orthanc_killed_mid_transfer_and_restarted_still_gets_everything_once(tmp_path):
    peer = Orthanc(tmp_path / "orthanc")
    try:
        dicom = make_instances(tmp_path, 400, "rle")
        process = subprocess.Popen([dcmflow_binary(), "store", str(dicom), "--to", peer.url, "--associations", "2",
                                    "--max-attempts", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        deadline = time.monotonic() + 60
        while peer.count_instances() < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        peer.kill()
        time.sleep(3)
        peer.start()
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "400 of 400 files stored" in out
        assert peer.count_instances() == 400
    finally:
        peer.stop()


def dicomweb(peer) -> str:
    return f"http://127.0.0.1:{peer.http_port}/dicom-web"


def test_one_thousand_instances_over_stow_rs_arrive_exactly_once(orthanc, tmp_path):
    assert "answered" in run_dcmflow("echo", dicomweb(orthanc), check=0).stdout
    dicom = make_instances(tmp_path, 1000, "jpegls")
    completed = run_dcmflow("store", dicom, "--to", dicomweb(orthanc) + "?batch=20&in_flight=4", check=0)
    assert "1000 of 1000 files stored" in completed.stdout
    assert orthanc.count_instances() == 1000


def test_stow_rs_errors_stop_the_destination_with_the_status_line(orthanc, tmp_path):
    """404 (no STOW-RS at this URL) refuses us whatever we send: the destination is stopped
    at once. A server that breaks off every request is waited for, up to the outage limit.
    Either way what was not sent is not failed: exit 4, for the next run."""
    dicom = make_instances(tmp_path, 3, "rle")
    completed = run_dcmflow("store", dicom, "--to", f"http://127.0.0.1:{orthanc.http_port}/no-such-root", check=4)
    assert "HTTP 404 (no STOW-RS service at this URL)" in completed.stderr
    assert "3 not sent" in completed.stdout
    completed = run_dcmflow("store", dicom, "--to", f"http://127.0.0.1:{orthanc.dicom_port}/dicom-web?max_attempts=2",
                            "--outage-limit", "2", check=4)
    assert "did not come back within the outage limit (2 s" in completed.stderr
    assert "Recv failure: Connection reset by peer" in completed.stderr  # the last probe's answer


@pytest.fixture
def stow_proxy(orthanc):
    proxies = []

    def start(fault):
        proxies.append(StowProxy(orthanc.http_port, fault))
        return proxies[-1]
    yield start
    for proxy in proxies:
        proxy.stop()


def test_a_stow_answer_that_confirms_nothing_stores_nothing(orthanc, stow_proxy, tmp_path):
    """200 with `{}`: the server named no instance. Nothing counts as stored; each is tried
    again (transient), and past the outage limit left unsent saying why, exit 4 (it used to
    print "3 of 3 files stored" and exit 0)."""
    proxy = stow_proxy("confirm-nothing")
    dicom = make_instances(tmp_path, 3, "rle")
    completed = run_dcmflow("store", dicom, "--to", proxy.url + "?max_attempts=2", "--outage-limit", "2", check=4)
    assert "0 of 3 files stored" in completed.stdout, completed.stdout
    assert "the response does not confirm the instance (after 2 attempts)" in completed.stderr
    assert len(proxy.requests) >= 2 and orthanc.count_instances() == 0


def test_stow_out_of_resources_is_tried_again(orthanc, stow_proxy, tmp_path):
    """A700 in the Failed SOP Sequence is "not now", as DIMSE's A7xx is: the instances go
    again and are stored."""
    proxy = stow_proxy("out-of-resources-once")
    dicom = make_instances(tmp_path, 3, "rle")
    completed = run_dcmflow("store", dicom, "--to", proxy.url + "?batch=3", check=0)
    assert "3 of 3 files stored" in completed.stdout
    assert len(proxy.requests) == 2 and orthanc.count_instances() == 3


def test_stow_with_three_faults_in_ten_answers_stores_everything_once(orthanc, stow_proxy, tmp_path):
    """503 and 429 with Retry-After, 500, a connection closed unanswered, A700 for every
    instance, a 200 that confirms nothing: 30% of the answers, and every instance is stored."""
    proxy = stow_proxy("three-in-ten")
    dicom = make_instances(tmp_path, 200, "rle")
    completed = run_dcmflow("store", dicom, "--to", proxy.url + "?batch=5&in_flight=4", check=0)
    assert "200 of 200 files stored" in completed.stdout
    assert orthanc.count_instances() == 200
    assert proxy.faults >= 0.25 * len(proxy.requests) and proxy.faults >= 12, (proxy.faults, len(proxy.requests))


def test_a_stow_refusal_of_the_instances_fails_them_with_the_reason(orthanc, stow_proxy, tmp_path):
    proxy = stow_proxy("refuse-c000")
    dicom = make_instances(tmp_path, 3, "rle")
    completed = run_dcmflow("store", dicom, "--to", proxy.url, check=1)
    assert "0 of 3 files stored (3 failed)" in completed.stdout, completed.stdout
    assert completed.stderr.count("refused the instance: Failure Reason C000") == 3, completed.stderr
    assert len(proxy.requests) == 1 and orthanc.count_instances() == 0


def test_a_stow_request_too_large_is_halved_down_to_one_instance(orthanc, stow_proxy, tmp_path):
    proxy = stow_proxy("too-large-batches")
    dicom = make_instances(tmp_path, 4, "rle")
    completed = run_dcmflow("store", dicom, "--to", proxy.url + "?batch=4", check=0)
    assert "4 of 4 files stored" in completed.stdout
    assert orthanc.count_instances() == 4
    sizes = [len(instances) for instances in proxy.requests]
    assert max(sizes) >= 2 and sizes.count(1) == 4, sizes  # refused whole, then halved down to one each


def job_to(tmp_path, destination, count=5):
    images = tmp_path / "pages"
    images.mkdir(exist_ok=True)
    for index in range(count):
        Image.fromarray(np.full((20, 30), index * 40, dtype=np.uint8), "L").save(images / f"p{index}.png")
    job = tmp_path / "job.yaml"
    job.write_text(f"inputs: [pages]\nattributes: {{PatientID: VERIFY-1}}\ncodec: rle\n"
                   f"destinations: ['{destination}']\nreport: reports\n")
    return job


def deliveries(tmp_path):
    with sqlite3.connect(tmp_path / "job.journal.sqlite") as database:
        return dict(database.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())


def test_run_verify_finds_every_instance_and_writes_the_hand_over_lists(orthanc, tmp_path):
    job = job_to(tmp_path, orthanc.url)
    completed = run_dcmflow("run", job, "--verify", "--progress", "none", check=0)
    assert "verify: 5 instances found at their destinations, 0 missing" in completed.stdout
    assert deliveries(tmp_path) == {"verified": 5}
    success = list((tmp_path / "reports").glob("success.dicom_ORTHANC_127.0.0.1_*.csv"))
    failure = list((tmp_path / "reports").glob("failure.dicom_ORTHANC_127.0.0.1_*.csv"))
    assert len(success) == 1 and len(failure) == 1
    rows = success[0].read_text().splitlines()
    assert rows[0] == "sop_instance_uid,study_instance_uid,series_instance_uid,input,state"
    assert len(rows) == 6 and all(row.endswith(",verified") for row in rows[1:])
    assert failure[0].read_text().splitlines() == ["input,sop_instance_uid,reason"]


def store_then_lose_two(job, peer, folder):
    """Runs the job into the peer, then deletes the first two instances from it (a PACS that
    lost them)."""
    run_dcmflow("run", job, "--progress", "none", check=0)
    with sqlite3.connect(folder / "job.journal.sqlite") as database:
        uids = [row[0] for row in database.execute("SELECT sop_instance_uid FROM instances ORDER BY output")]
    for uid in uids[:2]:
        peer.delete_instance(uid)


def test_instances_lost_by_the_pacs_are_found_missing_and_sent_again(orthanc, tmp_path):
    job = job_to(tmp_path, orthanc.url)
    store_then_lose_two(job, orthanc, tmp_path)
    assert orthanc.count_instances() == 3

    completed = run_dcmflow("verify", job, check=1)
    assert "3 instances found at their destinations, 2 missing" in completed.stdout
    assert "2 items will be sent again by the next run" in completed.stdout
    failure = next((tmp_path / "reports").glob("failure.*.csv")).read_text()
    assert failure.count("missing at dicom://ORTHANC") == 2

    completed = run_dcmflow("run", job, "--verify", "--progress", "none", check=0)
    assert "(3 done by an earlier run)" in completed.stdout
    assert "5 instances found at their destinations, 0 missing" in completed.stdout
    assert orthanc.count_instances() == 5


def test_stow_rs_deliveries_are_verified_through_qido_rs(orthanc, tmp_path):
    job = job_to(tmp_path, dicomweb(orthanc))
    completed = run_dcmflow("run", job, "--verify", "--progress", "none", check=0)
    assert "verify: 5 instances found at their destinations, 0 missing" in completed.stdout
    assert deliveries(tmp_path) == {"verified": 5}


def test_dicoms_stores_over_tls_with_certificates_both_ways(tmp_path):
    certificates = make_certificates(tmp_path / "tls")
    peer = tls_orthanc(tmp_path, certificates, "server")
    try:
        dicom = make_instances(tmp_path, 3, "jpegls")
        secure = (f"dicoms://{peer.aet}@127.0.0.1:{peer.dicom_port}?ca={certificates / 'ca.pem'}"
                  f"&cert={certificates / 'client.pem'}&key={certificates / 'client.key'}")
        assert "answered" in run_dcmflow("echo", secure, check=0).stdout
        # What it accepts is asked over the same TLS (dcmflow capabilities).
        assert json.loads(run_dcmflow("capabilities", secure, "--json", check=0).stdout)["auto_codec"] == "jpegls"
        completed = run_dcmflow("store", dicom, "--to", secure, check=0)
        assert "3 of 3 files stored" in completed.stdout
        assert peer.count_instances() == 3
        # Without our certificate the peer refuses us with a TLS alert (TLS 1.3 sends it after
        # the handshake): the destination stops at once, saying so. Plain DICOM does not
        # reach a TLS port: waited for, then given up.
        anonymous = f"dicoms://{peer.aet}@127.0.0.1:{peer.dicom_port}?ca={certificates / 'ca.pem'}&max_attempts=1"
        refused = run_dcmflow("store", dicom, "--to", anonymous, check=4)
        assert refused.stderr.count("stopped sending to") == 1, refused.stderr
        assert 'the alert "certificate required": give our certificate with cert=FILE&key=FILE' in refused.stderr
        plain = f"dicom://{peer.aet}@127.0.0.1:{peer.dicom_port}?max_attempts=1&connect_timeout_s=3"
        unreachable = run_dcmflow("store", dicom, "--to", plain, "--outage-limit", "2", check=4)
        assert "did not come back within the outage limit" in unreachable.stderr
    finally:
        peer.stop()


def test_dicoms_refuses_a_certificate_for_another_host(tmp_path):
    """A certificate the trusted CA signed for wrong.example, presented at 127.0.0.1: refused,
    as https:// refuses it (it used to be accepted). ?verify_name= names the host to expect
    when the address is not in the certificate."""
    certificates = make_certificates(tmp_path / "tls")
    peer = tls_orthanc(tmp_path, certificates, "wrong")
    try:
        dicom = make_instances(tmp_path, 2, "rle")
        base = (f"dicoms://{peer.aet}@127.0.0.1:{peer.dicom_port}?ca={certificates / 'ca.pem'}"
                f"&cert={certificates / 'client.pem'}&key={certificates / 'client.key'}&max_attempts=1")
        completed = run_dcmflow("store", dicom, "--to", base, check=4)
        assert "0 of 2 files stored" in completed.stdout, completed
        assert "stopped sending to" in completed.stderr
        assert "(the peer's certificate: IP address mismatch)" in completed.stderr, completed.stderr
        assert peer.count_instances() == 0
        named = run_dcmflow("store", dicom, "--to", base + "&verify_name=wrong.example", check=0)
        assert "2 of 2 files stored" in named.stdout
    finally:
        peer.stop()


def test_dicoms_urls_are_checked():
    completed = run_dcmflow("store", ".", "--to", "dicoms://AE@host:104", check=2)
    assert "dicoms:// needs ca=FILE" in completed.stderr
    completed = run_dcmflow("store", ".", "--to", "dicoms://AE@host:104?ca=/no/such.pem", check=2)
    assert "ca: no such file /no/such.pem" in completed.stderr


def test_storage_commitment_reports_what_the_pacs_holds(tmp_path):
    from peer_fixtures import free_port
    listen = free_port()
    peer = Orthanc(tmp_path / "orthanc", extra_config={"DicomModalities": {"dcmflow": ["DCMFLOW", "127.0.0.1", listen]}})
    try:
        job = job_to(tmp_path, peer.url)
        store_then_lose_two(job, peer, tmp_path)
        completed = run_dcmflow("run", job, "--progress", "none", "--commit", "--commit-port", listen, "--commit-wait", 60,
                                check=1)
        assert "commit: 3 instances committed, 2 refused" in completed.stdout, completed.stdout + completed.stderr
        assert deliveries(tmp_path) == {"committed": 3, "commit-failed": 2}
        failure = next((tmp_path / "reports").glob("failure.*.csv")).read_text()
        assert failure.count("storage commitment refused by dicom://ORTHANC") == 2
        success = next((tmp_path / "reports").glob("success.*.csv")).read_text()
        assert success.count(",committed") == 3
    finally:
        peer.stop()
