"""dcmflow ups: the UPS-RS client (PS3.18 11) against tests/peers/ups_rs_server.py, a strict
server fixture (PS3.4 Annex CC's state machine and PS3.18's status codes as tables; no UPS-RS
server installs offline on Debian 12). Each refusal must reach the user with the server's
status and reason, and each request must be the standard's spelling: the fixture refuses
the others."""

import json
import subprocess
import time

import pytest

from dcmflow_testing import dcmflow_binary, run_dcmflow
from peer_fixtures import UpsServer, ups_server  # noqa: F401 (fixture)

TRANSACTION_UID = "00081195"
STATE = "00741000"
PROGRESS_SEQUENCE = "00741002"
PERFORMED_SEQUENCE = "00741216"

ESSENTIALS = ["ScheduledProcedureStepPriority=MEDIUM", "ProcedureStepLabel=Import scanned reports",
              "ScheduledProcedureStepStartDateTime=20261204120000", "InputReadinessState=READY",
              "PatientName=Doe^Jane", "PatientID=UPS-1"]


def create(url, *extra):
    args = []
    for each in ESSENTIALS:
        args += ["--set", each]
    done = run_dcmflow("ups", "create", url, *args, *extra, check=0)
    return done.stdout.strip()


def value(dataset, key):
    element = dataset.get(key, {})
    return (element.get("Value") or [None])[0]


def test_create_get_and_search(ups_server):  # noqa: F811
    uid = create(ups_server.url)
    assert uid.startswith("2.25.")
    got = json.loads(run_dcmflow("ups", "get", ups_server.url, uid, "--json", check=0).stdout)
    assert value(got, STATE) == "SCHEDULED"
    assert TRANSACTION_UID not in got
    listed = run_dcmflow("ups", "search", ups_server.url, "--state", "SCHEDULED", check=0).stdout
    assert uid in listed
    # No patient data in the one-line summaries: they end up in logs.
    assert "Doe" not in listed and "UPS-1" not in listed
    assert run_dcmflow("ups", "search", ups_server.url, "--state", "COMPLETED", check=0).stdout.strip() == ""


def test_a_workitem_missing_a_type_1_attribute_is_refused_before_it_is_sent(ups_server):  # noqa: F811
    done = run_dcmflow("ups", "create", ups_server.url, "--set", "ProcedureStepLabel=x", check=2)
    assert "ScheduledProcedureStepPriority" in done.stderr and "InputReadinessState" in done.stderr
    assert "CC.2.5-3" in done.stderr
    assert not [entry for entry in ups_server.history() if entry.get("action") == "create"]


def test_a_value_wrong_for_its_vr_is_refused(ups_server):  # noqa: F811
    done = run_dcmflow("ups", "create", ups_server.url, "--set", "ScheduledProcedureStepStartDateTime=yesterday", check=2)
    assert "ScheduledProcedureStepStartDateTime" in done.stderr


def test_claim_progress_complete(ups_server):  # noqa: F811
    uid = create(ups_server.url)
    transaction = run_dcmflow("ups", "claim", ups_server.url, uid, check=0).stdout.strip()
    assert transaction.startswith("2.25.")
    assert value(ups_server.stored(uid), TRANSACTION_UID) == transaction
    # A second claim is refused (PS3.4 CC.2.1.2: the second SCU's Transaction UID is
    # incorrect, C301), with the server's status and words.
    again = run_dcmflow("ups", "claim", ups_server.url, uid, check=1)
    assert "400 Bad Request: " in again.stderr and "C301" in again.stderr
    # The wrong Transaction UID: 400, and nothing changes.
    wrong = run_dcmflow("ups", "progress", ups_server.url, uid, "--transaction", "2.25.1", "--percent", "50", check=1)
    assert "400" in wrong.stderr
    run_dcmflow("ups", "progress", ups_server.url, uid, "--transaction", transaction, "--percent", "50",
                "--description", "half way", check=0)
    got = json.loads(run_dcmflow("ups", "get", ups_server.url, uid, "--json", check=0).stdout)
    progress = got[PROGRESS_SEQUENCE]["Value"][0]
    assert float(value(progress, "00741004")) == 50 and value(progress, "00741006") == "half way"
    run_dcmflow("ups", "complete", ups_server.url, uid, "--transaction", transaction, check=0)
    ended = ups_server.stored(uid)
    assert value(ended, STATE) == "COMPLETED"
    performed = ended[PERFORMED_SEQUENCE]["Value"][0]
    assert value(performed, "00404050") and value(performed, "00404051")  # start and end
    # Final states are final: the server's refusal (C300, "may no longer be updated") reaches
    # the user, and the workitem stays COMPLETED.
    late = run_dcmflow("ups", "cancel", ups_server.url, uid, "--transaction", transaction, check=1)
    assert "C300" in late.stderr and "400 Bad Request" in late.stderr
    assert value(ups_server.stored(uid), STATE) == "COMPLETED"


def test_a_scheduled_workitem_cannot_be_completed(ups_server):  # noqa: F811
    uid = create(ups_server.url)
    refused = run_dcmflow("ups", "complete", ups_server.url, uid, "--transaction", "2.25.7", check=1)
    assert "40" in refused.stderr  # 400 (no claim to match) or 409 (not IN PROGRESS): the server's
    assert value(ups_server.stored(uid), STATE) == "SCHEDULED"


def test_cancel_with_a_reason_and_request_cancel(ups_server):  # noqa: F811
    uid = create(ups_server.url)
    transaction = run_dcmflow("ups", "claim", ups_server.url, uid, check=0).stdout.strip()
    run_dcmflow("ups", "cancel", ups_server.url, uid, "--transaction", transaction, "--reason", "source missing", check=0)
    ended = ups_server.stored(uid)
    assert value(ended, STATE) == "CANCELED"
    assert value(ended[PROGRESS_SEQUENCE]["Value"][0], "00741238") == "source missing"
    # A SCHEDULED workitem is canceled by the server itself on request.
    other = create(ups_server.url)
    run_dcmflow("ups", "request-cancel", ups_server.url, other, "--reason", "duplicate order", check=0)
    assert value(ups_server.stored(other), STATE) == "CANCELED"


def test_unknown_workitem_is_the_servers_404(ups_server):  # noqa: F811
    missing = run_dcmflow("ups", "get", ups_server.url, "2.25.123456", check=1)
    assert "404" in missing.stderr


def test_an_unreachable_server_is_not_a_refusal(tmp_path):
    from peer_fixtures import free_port
    gone = run_dcmflow("ups", "get", f"http://127.0.0.1:{free_port()}/ups-rs", "2.25.1", check=3)
    assert "127.0.0.1" in gone.stderr


def test_subscribe_prints_events_as_they_come(ups_server):  # noqa: F811
    watcher = subprocess.Popen([dcmflow_binary(), "ups", "subscribe", ups_server.url, "--ae", "WATCHER", "--count", "3",
                                "--seconds", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        subscribed = False
        while time.monotonic() < deadline and not subscribed:
            subscribed = any(entry.get("action") == "subscribe" for entry in ups_server.history())
            time.sleep(0.1)
        assert subscribed, "dcmflow ups subscribe did not subscribe"
        uid = create(ups_server.url)
        transaction = run_dcmflow("ups", "claim", ups_server.url, uid, check=0).stdout.strip()
        run_dcmflow("ups", "progress", ups_server.url, uid, "--transaction", transaction, "--percent", "30", check=0)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    lines = out.strip().splitlines()
    assert watcher.returncode == 0, err
    assert len(lines) == 3, out
    assert lines[0].startswith("UPS State Report") and uid in lines[0] and "SCHEDULED" in lines[0]
    assert lines[1].startswith("UPS State Report") and "IN PROGRESS" in lines[1]
    assert lines[2].startswith("UPS Progress Report") and "30%" in lines[2]


def test_a_filtered_subscription_hears_only_matching_workitems(ups_server):  # noqa: F811
    watcher = subprocess.Popen([dcmflow_binary(), "ups", "subscribe", ups_server.url, "--ae", "FILTERED", "--filter",
                                "ProcedureStepLabel=Wanted", "--count", "1", "--seconds", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(e.get("action") == "subscribe" for e in ups_server.history()):
            time.sleep(0.1)
        create(ups_server.url, "--set", "ProcedureStepLabel=Other")
        wanted = create(ups_server.url, "--set", "ProcedureStepLabel=Wanted")
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, err
    assert out.strip().splitlines() == [f"UPS State Report  {wanted}  SCHEDULED"]


def test_unsubscribe_and_suspend(ups_server):  # noqa: F811
    uid = create(ups_server.url)
    run_dcmflow("ups", "subscribe", ups_server.url, uid, "--ae", "ONE", "--seconds", "0.5", check=0)
    run_dcmflow("ups", "unsubscribe", ups_server.url, uid, "--ae", "ONE", check=0)
    run_dcmflow("ups", "subscribe", ups_server.url, "--ae", "ALL", "--seconds", "0.5", check=0)
    run_dcmflow("ups", "suspend", ups_server.url, "--ae", "ALL", check=0)


@pytest.mark.parametrize("dialect", ["transaction-uid", "transaction-in-body", "dcm4chee"])
def test_server_dialects(tmp_path, dialect):
    server = UpsServer(tmp_path / "ups", dialect=dialect)
    try:
        uid = create(server.url)
        url = server.url + f"?dialect={dialect}&requester=DCMFLOW"
        transaction = run_dcmflow("ups", "claim", url, uid, check=0).stdout.strip()
        # The standard spelling is refused by these servers: the dialect is what made it work.
        if dialect != "dcm4chee":
            refused = run_dcmflow("ups", "progress", server.url, uid, "--transaction", transaction, "--percent", "10", check=1)
            assert "400" in refused.stderr
        run_dcmflow("ups", "progress", url, uid, "--transaction", transaction, "--percent", "10", check=0)
        if dialect == "dcm4chee":
            run_dcmflow("ups", "claim", server.url, create(server.url), check=1)  # .../state without the AE
        run_dcmflow("ups", "complete", url, uid, "--transaction", transaction, check=0)
        assert value(server.stored(uid), STATE) == "COMPLETED"
    finally:
        server.stop()


def test_capabilities_finds_the_worklist_service(ups_server):  # noqa: F811
    found = json.loads(run_dcmflow("capabilities", ups_server.url, "--json", check=0).stdout)
    services = {s["service"]: s for s in found["services"]}
    assert services["UPS-RS"]["support"] == "supported"
    assert services["STOW-RS"]["support"] == "not supported"


GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 1.3


def hostile_channel(frames: bytes, accept_key=True):
    """An HTTP server whose event channel answers the upgrade and then sends `frames`: what a
    broken or hostile server could send. Subscriptions are accepted (201)."""
    import base64
    import hashlib
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            if not accept_key:
                accept = base64.b64encode(b"0" * 20).decode()
            self.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode() + frames)
            self.wfile.flush()
            time.sleep(3)

        def do_POST(self):  # noqa: N802
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def text_frame(payload: bytes) -> bytes:
    assert len(payload) < 126
    return bytes([0x81, len(payload)]) + payload


EVENT = json.dumps({"00001000": {"vr": "UI", "Value": ["2.25.1"]}, "00001002": {"vr": "US", "Value": [1]},
                    "00741000": {"vr": "CS", "Value": ["SCHEDULED"]}}).encode()


@pytest.mark.parametrize("frames, accept_key, said", [
    (bytes([0x81, 0x85]) + b"abcd" + b"hello", True, "masked frame"),
    (bytes([0x81, 0x7F]) + (1 << 40).to_bytes(8, "big"), True, "larger than 16 MiB"),
    (bytes([0x82, 0x03]) + b"abc", True, "binary frame"),
    (bytes([0xF1, 0x00]), True, "reserved bits"),
    (bytes([0x80, 0x02]) + b"ab", True, "continuation frame with no message"),
    (bytes([0x89, 0x7E, 0x00, 0x80]) + b"x" * 128, True, "control frame longer than 125"),
    (bytes([0x01, 0x01]) + b"{" + bytes([0x81, 0x01]) + b"}", True, "a new message before the last one ended"),
    (b"", False, "Sec-WebSocket-Accept"),
    (text_frame(b'{"00001000": 1}') + bytes([0x88, 0x02, 0x03, 0xE8]), True, "closed the event channel (code 1000)"),
], ids=["masked", "huge", "binary", "reserved", "orphan-continuation", "long-ping", "interleaved", "bad-accept",
        "close"])
def test_a_broken_event_channel_ends_subscribe_with_the_reason(frames, accept_key, said):
    server = hostile_channel(frames, accept_key)
    try:
        done = run_dcmflow("ups", "subscribe", f"http://127.0.0.1:{server.server_address[1]}/ups-rs", "--ae", "A",
                           "--seconds", "20", check=3)
    finally:
        server.shutdown()
    assert said in done.stderr


def test_events_split_across_frames_and_pings_are_read(tmp_path):
    # A fragmented text message (RFC 6455 5.4) with a ping between its parts, then close.
    half = len(EVENT) // 2
    frames = (bytes([0x01, half]) + EVENT[:half] + bytes([0x89, 0x00]) +
              bytes([0x80, len(EVENT) - half]) + EVENT[half:] + bytes([0x88, 0x00]))
    server = hostile_channel(frames)
    try:
        done = run_dcmflow("ups", "subscribe", f"http://127.0.0.1:{server.server_address[1]}/ups-rs", "--ae", "A",
                           "--seconds", "20", check=3)
    finally:
        server.shutdown()
    assert done.stdout.strip() == "UPS State Report  2.25.1  SCHEDULED"
    assert "closed the event channel" in done.stderr


def test_an_answer_larger_than_16_mib_is_cut_off_not_held(tmp_path):
    import http.server
    import threading

    class Flood(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", str(17 << 20))
            self.end_headers()
            try:
                for _ in range(17):
                    self.wfile.write(b" " * (1 << 20))
            except OSError:
                pass  # the client hung up, as it should

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = run_dcmflow("ups", "search", f"http://127.0.0.1:{server.server_address[1]}/ups-rs", check=3)
    finally:
        server.shutdown()
    assert "larger than 16 MiB" in done.stderr
