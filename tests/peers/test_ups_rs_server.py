"""Tests of tests/peers/ups_rs_server.py, the strict UPS-RS fixture, against the standard's text.

Each test quotes the sentence of PS3.4 (Annex CC) or PS3.18 (chapters 8, 11, Annex F) it
checks. The expected outcomes below are transcribed from the standard independently of the
server's own tables. Stdlib clients only (http.client, socket); the server runs as a
subprocess on a free port and is stopped by PID.

    cd /work/main && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/peers/test_ups_rs_server.py
"""

import base64
import hashlib
import http.client
import json
import os
import pathlib
import signal
import socket
import struct
import subprocess
import time
import urllib.parse
import uuid

import pytest

SERVER = pathlib.Path(__file__).resolve().parent / "ups_rs_server.py"
PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"
GLOBAL = "1.2.840.10008.5.1.4.34.5"
FILTERED = "1.2.840.10008.5.1.4.34.5.1"

# Tags used here (PS3.6), written out independently of the server's dictionary.
TXN, STATE, READINESS = "00081195", "00741000", "00404041"
SOP_CLASS, SOP_INSTANCE = "00080016", "00080018"
PRIORITY, LABEL, WORKLIST_LABEL, MODIFIED = "00741200", "00741204", "00741202", "00404010"
START, PROGRESS_SEQ, PERFORMED_SEQ = "00404005", "00741002", "00741216"
PROGRESS, PROGRESS_DESCRIPTION, CANCEL_DT, REASON, DISCONTINUATION = \
    "00741004", "00741006", "00404052", "00741238", "0074100E"
AFFECTED_UID, EVENT_TYPE = "00001000", "00001002"

TYPE_1 = {"ScheduledProcedureStepPriority": PRIORITY, "ProcedureStepLabel": LABEL,
          "ScheduledProcedureStepStartDateTime": START, "InputReadinessState": READINESS,
          "ProcedureStepState": STATE}
TYPE_2 = {"TransactionUID": TXN, "WorklistLabel": WORKLIST_LABEL,
          "ScheduledProcessingParametersSequence": "00741210",
          "ScheduledStationNameCodeSequence": "00404025", "ScheduledStationClassCodeSequence": "00404026",
          "ScheduledStationGeographicLocationCodeSequence": "00404027", "ScheduledWorkitemCodeSequence": "00404018",
          "CommentsOnTheScheduledProcedureStep": "00400400", "InputInformationSequence": "00404021",
          "PatientName": "00100010", "IssuerOfPatientID": "00100021",
          "IssuerOfPatientIDQualifiersSequence": "00100024", "OtherPatientIDsSequence": "00101002",
          "PatientBirthDate": "00100030", "PatientSex": "00100040", "AdmissionID": "00380010",
          "IssuerOfAdmissionIDSequence": "00380014", "AdmittingDiagnosesDescription": "00081080",
          "AdmittingDiagnosesCodeSequence": "00081084", "ReferencedRequestSequence": "0040A370",
          "ProcedureStepProgressInformationSequence": PROGRESS_SEQ,
          "UnifiedProcedureStepPerformedProcedureSequence": PERFORMED_SEQ}
VR_OF = {TXN: "UI", "00741210": "SQ", "00404025": "SQ", "00404026": "SQ", "00404027": "SQ", "00404018": "SQ",
         "00400400": "LT", "00404021": "SQ", "00100010": "PN", "00100021": "LO", "00100024": "SQ",
         "00101002": "SQ", "00100030": "DA", "00100040": "CS", "00380010": "LO", "00380014": "SQ",
         "00081080": "LO", "00081084": "SQ", "0040A370": "SQ", PROGRESS_SEQ: "SQ", PERFORMED_SEQ: "SQ",
         WORKLIST_LABEL: "LO"}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def ordered(dataset):
    """PS3.18 F.2: "Attribute objects within a DICOM JSON Model object must be ordered by
    their property name in ascending order"."""
    out = {}
    for tag in sorted(dataset):
        element = dict(dataset[tag])
        if element.get("vr") == "SQ" and "Value" in element:
            element["Value"] = [ordered(item) for item in element["Value"]]
        out[tag] = element
    return out


def el(vr, *values):
    return {"vr": vr, "Value": list(values)} if values else {"vr": vr}


def code(value="110180", scheme="DCM", meaning="Study instance UID"):
    return {"00080100": el("SH", value), "00080102": el("SH", scheme), "00080104": el("LO", meaning)}


def new_uid():
    return "2.25." + str(uuid.uuid4().int)


def workitem(**changes):
    """A workitem meeting every N-CREATE requirement of PS3.4 Table CC.2.5-3: type 1
    attributes with values, type 2 ones present (empty here), Procedure Step State SCHEDULED,
    the Transaction UID present and empty ("Shall be empty")."""
    dataset = {tag: el(VR_OF[tag]) for tag in TYPE_2.values()}
    dataset.update({PRIORITY: el("CS", "MEDIUM"), LABEL: el("LO", "Fixture test step"),
                    START: el("DT", "20261204120000"), READINESS: el("CS", "READY"),
                    STATE: el("CS", "SCHEDULED"), "00100010": el("PN", {"Alphabetic": "Doe^Jane"}),
                    "00100020": el("LO", "PID-1")})
    for tag, element in changes.items():
        if element is None:
            dataset.pop(tag, None)
        else:
            dataset[tag] = element
    return ordered(dataset)


COMPLETION = ordered({PERFORMED_SEQ: el("SQ", {
    "00404028": el("SQ", code("STATION1", "99FIXTURE", "Station one")),   # Performed Station Name Code Seq
    "00404050": el("DT", "20261204120500"),                                # Performed Procedure Step Start DateTime
    "00404019": el("SQ", code("WORK1", "99FIXTURE", "Work one")),          # Performed Workitem Code Sequence
    "00404051": el("DT", "20261204121000"),                                # Performed Procedure Step End DateTime
    "00404033": el("SQ"),                                                  # Output Information Sequence (no items)
})})
CANCELLATION = ordered({PROGRESS_SEQ: el("SQ", {
    DISCONTINUATION: el("SQ", code("110513", "DCM", "Discontinued for unspecified reason")),
    REASON: el("LT", "test cancellation"),
})})


class Peer:
    """The fixture as a subprocess, with a small stdlib HTTP client."""

    def __init__(self, folder, dialect="standard"):
        folder.mkdir(parents=True, exist_ok=True)
        self.port_file = folder / "port"
        self.log_path = folder / "server.log"
        self.out = open(folder / "stdout", "wb")
        self.process = subprocess.Popen(["/usr/bin/python3", str(SERVER), "--port", "0", "--port-file",
                                         str(self.port_file), "--dialect", dialect, "--log", str(self.log_path)],
                                        stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not self.port_file.exists():
            assert self.process.poll() is None, "the fixture exited"
            assert time.monotonic() < deadline, "the fixture did not write its port file"
            time.sleep(0.02)
        self.port = int(self.port_file.read_text())
        self.root = f"http://127.0.0.1:{self.port}/ups-rs"
        self.dialect = dialect

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.out.close()

    def request(self, method, path, body=None, content_type="application/dicom+json", headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            payload = None
            all_headers = dict(headers or {})
            if body is not None:
                payload = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
                if content_type:
                    all_headers["Content-Type"] = content_type
            connection.request(method, path if path.startswith("/_") else "/ups-rs" + path, payload, all_headers)
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, response.headers, data)
        finally:
            connection.close()

    # -- transactions ----------------------------------------------------------------------------
    def create(self, dataset=None, uid=None):
        uid = uid or new_uid()
        reply = self.request("POST", f"/workitems?workitem={uid}", [dataset or workitem()])
        assert reply.status == 201, reply
        return uid

    def update(self, uid, dataset, transaction=None):
        if self.dialect == "transaction-in-body":
            if transaction is not None:
                dataset = ordered(dict(dataset, **{TXN: el("UI", transaction)}))
            return self.request("POST", f"/workitems/{uid}", [dataset])
        name = "transaction-uid" if self.dialect == "transaction-uid" else "transaction"
        query = f"?{name}={transaction}" if transaction is not None else ""
        return self.request("POST", f"/workitems/{uid}{query}", [dataset])

    def change_state(self, uid, state, transaction=None, requester="TESTER"):
        dataset = {STATE: el("CS", state)}
        if transaction is not None:
            dataset[TXN] = el("UI", transaction)
        suffix = f"/{requester}" if self.dialect == "dcm4chee" else ""
        return self.request("PUT", f"/workitems/{uid}/state{suffix}", [ordered(dataset)])

    def cancel_request(self, uid, dataset=None, requester="TESTER"):
        suffix = f"/{requester}" if self.dialect == "dcm4chee" else ""
        return self.request("POST", f"/workitems/{uid}/cancelrequest{suffix}",
                            [dataset] if dataset is not None else None)

    def claim(self, uid):
        transaction = new_uid()
        reply = self.change_state(uid, "IN PROGRESS", transaction)
        assert reply.status == 200, reply
        return transaction

    def stored(self, uid):
        reply = self.request("GET", f"/_fixture/workitems/{uid}")
        assert reply.status == 200, reply
        return reply.json()

    def state(self, uid):
        return self.stored(uid)[STATE]["Value"][0]

    def history(self):
        return self.request("GET", "/_fixture/log").json()

    def in_state(self, state):
        """A workitem brought to `state` by the standard's path; its Transaction UID."""
        uid = self.create()
        if state == "SCHEDULED":
            return uid, None
        transaction = self.claim(uid)
        assert self.update(uid, COMPLETION, transaction).status == 200
        assert self.update(uid, CANCELLATION, transaction).status == 200
        if state in ("COMPLETED", "CANCELED"):
            reply = self.change_state(uid, state, transaction)
            assert reply.status == 200, reply
        return uid, transaction


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    @property
    def warning(self):
        return self.headers.get("Warning", "")

    def __repr__(self):
        return f"Reply({self.status}, Warning={self.warning!r}, body={self.body[:300]!r})"


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    server = Peer(tmp_path_factory.mktemp("ups"))
    yield server
    server.stop()


@pytest.fixture
def fresh(tmp_path):
    """A server of its own, for tests that depend on the subscriptions it holds."""
    server = Peer(tmp_path / "ups")
    yield server
    server.stop()


def assert_refused(reply, status, code=None, text=None):
    """PS3.18 8.4 / 11.x: a refusal carries "Warning: 299 <service>: <text>", and here the
    same reason as a text/plain body, naming the PS3.4 status code."""
    assert reply.status == status, reply
    assert reply.warning.startswith("299 http://127.0.0.1:"), reply
    reason = reply.warning.split(": ", 1)[1]
    assert reply.body.decode("utf-8") == reason
    assert reply.headers.get("Content-Type", "").startswith("text/plain")
    if code:
        assert code in reason, reply
    if text:
        assert text in reason, reply
    return reason


# ---------------------------------------------------------------------------------------------
# A tiny RFC 6455 client
# ---------------------------------------------------------------------------------------------

class WebSocket:
    def __init__(self, port, aet, key=None, version="13", upgrade="websocket"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.key = key or base64.b64encode(os.urandom(16)).decode("ascii")
        request = (f"GET /ups-rs/subscribers/{aet} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"Upgrade: {upgrade}\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
                   f"Sec-WebSocket-Version: {version}\r\n\r\n")
        self.sock.sendall(request.encode("ascii"))
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed during the handshake"
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def frame(self, timeout=5.0):
        self.sock.settimeout(timeout)
        head = self._read(2)
        assert not head[1] & 0x80, "server frames are not masked (RFC 6455 5.1)"
        length = head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        return head[0] & 0x0F, self._read(length)

    def event(self, timeout=5.0):
        opcode, payload = self.frame(timeout)
        assert opcode == 0x1, f"events are text frames (PS3.18 8.10.5.1.1), got opcode {opcode}"
        return json.loads(payload.decode("utf-8"))

    def events(self, count, timeout=5.0):
        return [self.event(timeout) for _ in range(count)]

    def no_event(self, timeout=0.3):
        try:
            opcode, payload = self.frame(timeout)
        except (socket.timeout, TimeoutError):
            return True
        raise AssertionError(f"unexpected frame {opcode} {payload[:200]!r}")

    def send(self, opcode, payload=b"", mask=True):
        header = bytes([0x80 | opcode])
        key = os.urandom(4) if mask else b""
        header += bytes([(0x80 if mask else 0) | len(payload)]) + key
        if mask:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + payload)

    def close(self):
        try:
            self.send(0x8, struct.pack("!H", 1000))
            self.frame(2)
        except (OSError, ConnectionError, AssertionError):
            pass
        self.sock.close()


def event_type(event):
    return event[EVENT_TYPE]["Value"][0]


def event_uid(event):
    return event[AFFECTED_UID]["Value"][0]


def event_state(event):
    return event[STATE]["Value"][0]


# ---------------------------------------------------------------------------------------------
# Start, stop, generic HTTP behaviour
# ---------------------------------------------------------------------------------------------

def test_port_file_holds_the_listening_port_and_sigterm_stops_cleanly(tmp_path):
    server = Peer(tmp_path / "x")
    assert server.request("GET", "/workitems?ProcedureStepState=SCHEDULED").status == 204
    os.kill(server.process.pid, signal.SIGTERM)
    assert server.process.wait(timeout=10) == 0
    server.out.close()
    assert not list((tmp_path / "x").glob("*.tmp"))   # written as a temporary file, then renamed


def test_unknown_resource_is_404_with_a_warning(peer):
    assert_refused(peer.request("GET", "/nothing"), 404)
    assert_refused(peer.request("DELETE", "/workitems"), 405)


# ---------------------------------------------------------------------------------------------
# Create (PS3.18 11.4, PS3.4 CC.2.5)
# ---------------------------------------------------------------------------------------------

def test_create_answers_201_with_location_and_the_server_adds_its_attributes(peer):
    # PS3.18 11.4.2: "The origin server shall create a new Workitem in the SCHEDULED state and
    # return a URL referencing the newly created Workitem in the Location header field".
    uid = new_uid()
    reply = peer.request("POST", f"/workitems?workitem={uid}", [workitem()])
    assert reply.status == 201 and reply.body == b""
    assert reply.headers["Location"] == f"{peer.root}/workitems/{uid}"
    got = peer.request("GET", f"/workitems/{uid}")
    assert got.status == 200 and got.headers["Content-Type"] == "application/dicom+json"
    [dataset] = got.json()
    # CC.3.1 "All UPS Instances shall be created with the value of SOP Class UID set to
    # 1.2.840.10008.5.1.4.34.6.1"; Table CC.2.5-3: Modification DateTime "SCP shall use time of
    # CREATE"; Worklist Label 2/1 "If a value is not provided by the SCU, the SCP shall fill in".
    assert dataset[SOP_CLASS]["Value"] == [PUSH_SOP_CLASS]
    assert dataset[SOP_INSTANCE]["Value"] == [uid]
    assert dataset[MODIFIED]["Value"][0][:8].isdigit()
    assert dataset[WORKLIST_LABEL]["Value"]
    assert dataset[STATE]["Value"] == ["SCHEDULED"]
    assert TXN not in dataset
    assert list(dataset) == sorted(dataset)


def test_the_workitem_uid_may_come_from_the_dataset(peer):
    # PS3.18 11.4.1.1: "If the Target Resource is the Worklist, then the Workitem dataset in the
    # payload shall contain the Workitem UID".
    uid = new_uid()
    reply = peer.request("POST", "/workitems", [workitem(**{SOP_INSTANCE: el("UI", uid)})])
    assert reply.status == 201 and reply.headers["Location"].endswith(uid)
    assert_refused(peer.request("POST", "/workitems", [workitem()]), 400, "0x0120", "Workitem UID")
    other = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{SOP_INSTANCE: el("UI", uid)})])
    assert_refused(other, 400, text="differ")


def test_a_duplicate_workitem_is_409(peer):
    # Table CC.1.1-2 "N-CREATE received for this SOP Instance UID": error 0111 in every state;
    # PS3.18 Table 11.4.3-1 "409 (Conflict) The Target Workitem already exists."
    uid = peer.create()
    assert_refused(peer.request("POST", f"/workitems?workitem={uid}", [workitem()]), 409, "0x0111")


@pytest.mark.parametrize("keyword", sorted(TYPE_1))
def test_n_create_type_1_attribute_missing(peer, keyword):
    # PS3.4 5.4.2.1 "If the SCU does not provide an Attribute that is Mandatory for the SCU,
    # the SCP shall respond with the error code "Missing Attribute" (0120H)."
    reply = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{TYPE_1[keyword]: None})])
    assert_refused(reply, 400, "0x0120", keyword)


@pytest.mark.parametrize("keyword", sorted(TYPE_1))
def test_n_create_type_1_attribute_empty(peer, keyword):
    # PS3.4 5.4.2.1 "If the SCU provides a zero-length value for a Mandatory Attribute when zero
    # length is not permitted, the SCP shall respond with ... "Missing Attribute Value" (0121H)."
    tag = TYPE_1[keyword]
    reply = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{tag: {"vr": "DT" if tag == START
                                                                                         else "CS" if tag != LABEL
                                                                                         else "LO"}})])
    if keyword == "ProcedureStepState":
        assert_refused(reply, 400, "0xC309")
    else:
        assert_refused(reply, 400, "0x0121", keyword)


@pytest.mark.parametrize("keyword", sorted(TYPE_2))
def test_n_create_type_2_attribute_missing(peer, keyword):
    # Table CC.2.5-3 "Req. Type N-CREATE" 2/x; PS3.4 5.4.2.1: type 2 is "Mandatory" for the SCU
    # (zero length permitted). PS3.18 11.4.1.4 "The Workitem in the payload shall comply with
    # all Instance requirements in the Req. Type N-CREATE column of Table CC.2.5-3".
    reply = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{TYPE_2[keyword]: None})])
    assert_refused(reply, 400, "0x0120", keyword)


def test_n_create_state_must_be_scheduled(peer):
    # CC.2.5.3 "The SCP shall accept creation requests only if the value of the Procedure Step
    # State (0074,1000) Attribute is "SCHEDULED"."; Table CC.2.5-4 C309.
    reply = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{STATE: el("CS", "IN PROGRESS")})])
    assert_refused(reply, 400, "0xC309")


@pytest.mark.parametrize("tag,element", [
    (TXN, el("UI", "2.25.1")),                                   # "2/2 Shall be empty"
    (PROGRESS_SEQ, el("SQ", {PROGRESS: el("DS", 5)})),           # "2/2 Shall be empty"
    (PERFORMED_SEQ, COMPLETION[PERFORMED_SEQ]),                   # "2/2 Shall be created empty"
])
def test_n_create_attributes_that_shall_be_empty(peer, tag, element):
    # Table CC.2.5-3: Transaction UID "Shall be empty"; Progress Information Sequence "Shall be
    # empty"; UPS Performed Procedure Sequence "Shall be created empty".
    assert_refused(peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{tag: element})]), 400,
                   "0x0106", "empty")


def test_n_create_type_3_attribute_may_not_be_empty(peer):
    # PS3.4 5.4.2.1: for 3/1, 3/2, 3/3 zero length is "Not Permitted".
    reply = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{"00404011": el("DT")})])
    assert_refused(reply, 400, "0x0121", "ExpectedCompletionDateTime")


@pytest.mark.parametrize("tag,element,words", [
    (PRIORITY, el("CS", "URGENT"), "HIGH"),                                  # enumerated values
    (READINESS, el("CS", "YES"), "READY"),
    (START, el("DT", "yesterday"), "DT value"),
    (START, el("DA", "20261204"), "VR is DT"),
    ("00100010", el("PN", "Doe^Jane"), "PN value"),
    ("00404025", el("SQ", {"00080104": el("LO", "No code value")}), "CodeValue"),
    ("00404034", el("SQ", {"00404037": el("PN", {"Alphabetic": "Perf^Ormer"})}), "HumanPerformerCodeSequence"),
])
def test_n_create_values_are_checked(peer, tag, element, words):
    # PS3.18 F.2.3 "The JSON encoding of an Attribute shall use the JSON Data Type corresponding
    # to the DICOM Value Representations"; Table CC.2.5-2a (UPS Code Sequence Macro); Table
    # CC.2.5-3 Scheduled Human Performers Sequence items (1/1 each).
    reply = peer.request("POST", f"/workitems?workitem={new_uid()}", [workitem(**{tag: element})])
    assert_refused(reply, 400, text=words)


def test_payload_form_is_checked(peer):
    path = f"/workitems?workitem={new_uid()}"
    # PS3.18 F.2: "Attribute objects ... must be ordered by their property name in ascending order"
    unordered = dict(reversed(list(workitem().items())))
    assert_refused(peer.request("POST", path, [unordered]), 400, text="ascending")
    # PS3.18 11.1.3 application/dicom+json "is a JSON array containing Workitems": one here.
    assert_refused(peer.request("POST", path, workitem()), 400, text="JSON array")
    assert_refused(peer.request("POST", path, [workitem(), workitem()]), 400, text="exactly one")
    # PS3.18 F.2.5: an empty attribute has no "Value".
    assert_refused(peer.request("POST", path, [workitem(**{"00400400": {"vr": "LT", "Value": []}})]), 400,
                   text="F.2.5")
    # PS3.18 11.1.3 "The transactions shall not support Metadata or Bulkdata objects."
    bulk = workitem(**{"00400400": {"vr": "LT", "BulkDataURI": "http://x/y"}})
    assert_refused(peer.request("POST", path, [bulk]), 400, text="bulk data")
    # Only application/dicom+json here: 415 for the rest.
    assert_refused(peer.request("POST", path, [workitem()], content_type="application/json"), 415)
    assert_refused(peer.request("POST", path, [workitem()], content_type=None), 415)
    assert_refused(peer.request("POST", path, b"not json"), 400, text="JSON")


# ---------------------------------------------------------------------------------------------
# Retrieve and the Transaction UID (PS3.18 11.5, PS3.4 CC.2.7)
# ---------------------------------------------------------------------------------------------

def test_retrieve_unknown_is_404(peer):
    # PS3.18 Table 11.5.3-1 "404 (Not Found) The origin server has no knowledge of the Target
    # Workitem."; Table CC.2.7-1 C307.
    assert_refused(peer.request("GET", f"/workitems/{new_uid()}"), 404, "0xC307")
    assert_refused(peer.request("GET", "/workitems/not-a-uid"), 400)


def test_the_transaction_uid_is_never_returned(peer):
    # CC.2.7.3 "The SCP shall not return the Transaction UID (0008,1195) Attribute. This is
    # necessary to preserve this Attribute's role as an access lock." PS3.18 11.5.2 "The
    # returned Workitem shall not contain the Transaction UID (0008,1195) Attribute."
    uid = peer.create()
    transaction = peer.claim(uid)
    [dataset] = peer.request("GET", f"/workitems/{uid}").json()
    assert TXN not in dataset and dataset[STATE]["Value"] == ["IN PROGRESS"]
    for query in (f"SOPInstanceUID={uid}", f"SOPInstanceUID={uid}&includefield=all",
                  f"SOPInstanceUID={uid}&includefield=00081195"):
        reply = peer.request("GET", f"/workitems?{query}")
        if reply.status == 200:
            assert all(TXN not in result for result in reply.json())
            assert transaction.encode() not in reply.body
        else:   # includefield=TransactionUID: Table CC.2.5-3 "Cannot be queried"
            assert_refused(reply, 400, text="Transaction UID")
    assert transaction.encode() not in peer.request("GET", f"/workitems/{uid}").body
    # The test-only view does show it.
    assert peer.stored(uid)[TXN]["Value"] == [transaction]


# ---------------------------------------------------------------------------------------------
# Search (PS3.18 11.9 and 8.3.4, PS3.4 CC.2.8)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def searchable(peer):
    label = "SRCH-" + uuid.uuid4().hex[:8].upper()
    uids = []
    for index in range(5):
        extra = {WORKLIST_LABEL: el("LO", label), START: el("DT", f"2027010{index + 1}080000"),
                 "00404018": el("SQ", code(f"W{index}", "99FIXTURE", f"Work {index}"))}
        uids.append(peer.create(workitem(**extra)))
    return label, uids


def test_search_single_value_wildcard_uid_list_sequence_and_range(peer, searchable):
    # PS3.18 8.3.4.1 "One or more DICOM Attribute/Values pairs specify the matching criteria";
    # PS3.4 C.2.2.2 single value, wildcard, UID list, range and sequence matching.
    label, uids = searchable

    def found(query):
        reply = peer.request("GET", "/workitems?" + query)
        assert reply.status in (200, 204), reply
        return [] if reply.status == 204 else [r[SOP_INSTANCE]["Value"][0] for r in reply.json()]

    assert found(f"WorklistLabel={label}") == uids
    assert found(f"WorklistLabel={label[:-2]}*") == uids
    assert found(f"WorklistLabel={label[:-1]}?") == uids
    assert found(f"SOPInstanceUID={uids[1]},{uids[3]}") == [uids[1], uids[3]]
    assert found(f"SOPInstanceUID={uids[1]}%5C{uids[2]}") == [uids[1], uids[2]]
    assert found(f"WorklistLabel={label}&ScheduledWorkitemCodeSequence.CodeValue=W2") == [uids[2]]
    assert found(f"WorklistLabel={label}&00404018.00080100=W3") == [uids[3]]
    assert found(f"WorklistLabel={label}&ScheduledProcedureStepStartDateTime=20270102-20270103") == uids[1:3]
    assert found(f"WorklistLabel={label}&ScheduledProcedureStepStartDateTime=20270104-") == uids[3:]
    assert found(f"WorklistLabel={label}&ProcedureStepState=IN%20PROGRESS") == []


def test_search_default_return_keys(peer, searchable):
    # PS3.18 11.9.2: results include "All Unified Procedure Step Instance Attributes ... with a
    # Return Key Type of 1 or 2" - not, for example, the UPS Performed Procedure Sequence
    # (Return Key Type "-") unless asked for.
    label, uids = searchable
    [result] = peer.request("GET", f"/workitems?SOPInstanceUID={uids[0]}").json()
    assert result[STATE]["Value"] == ["SCHEDULED"] and result[LABEL]["Value"]
    assert PERFORMED_SEQ not in result
    [result] = peer.request("GET", f"/workitems?SOPInstanceUID={uids[0]}&includefield="
                                   "UnifiedProcedureStepPerformedProcedureSequence").json()
    assert PERFORMED_SEQ in result


def test_search_limit_offset_and_204(peer, searchable):
    # PS3.18 8.3.4.4.1 "If (results <= 0) then there are no matches, and a 204 (No Content)
    # response shall be returned with an empty payload." ... "If (remaining > 0) the response
    # shall include a Warning header field ... There are <remaining> additional results that can
    # be requested".
    label, uids = searchable
    reply = peer.request("GET", f"/workitems?WorklistLabel={label}&limit=2&offset=1")
    assert [r[SOP_INSTANCE]["Value"][0] for r in reply.json()] == uids[1:3]
    assert "There are 2 additional results that can be requested" in reply.warning
    last = peer.request("GET", f"/workitems?WorklistLabel={label}&limit=2&offset=4")
    assert len(last.json()) == 1 and not last.warning
    none = peer.request("GET", "/workitems?WorklistLabel=NO-SUCH-LABEL")
    assert none.status == 204 and none.body == b""
    assert peer.request("GET", f"/workitems?WorklistLabel={label}&offset=9").status == 204


def test_search_without_matching_keys_matches_nothing(peer, searchable):
    # PS3.4 CC.2.8.3.1 Worklist Search Method: "If there are no matching keys, then there are
    # no matches".
    assert peer.request("GET", "/workitems").status == 204
    assert peer.request("GET", "/workitems?includefield=all").status == 200


@pytest.mark.parametrize("query,words", [
    ("NoSuchKeyword=1", "not a DICOM keyword"),
    ("Modality=CT", "not a DICOM keyword"),
    ("TransactionUID=2.25.1", "Cannot be queried"),
    ("ScheduledWorkitemCodeSequence.CodeMeaning=Work", "shall not be used as a Matching Key"),
    ("ProcedureStepState=SCHEDULED&ProcedureStepState=COMPLETED", "repeated"),
    ("SOPInstanceUID=2.25.*", "not a UID"),
    ("ScheduledProcedureStepStartDateTime=tomorrow", "not a DT"),
    ("limit=-1", "unsigned"),
    ("offset=x", "unsigned"),
    ("fuzzymatching=maybe", "true or false"),
    ("ProcedureStepLabel.CodeValue=x", "not a sequence"),
])
def test_search_bad_queries_are_400(peer, query, words):
    # PS3.18 Table 11.9.3-1 "400 (Bad Request) ... For example, invalid Query Parameter syntax."
    assert_refused(peer.request("GET", "/workitems?" + query), 400, text=words)


def test_search_fuzzy_matching_is_not_supported_and_says_so(peer, searchable):
    # PS3.18 8.3.4.2: "If the value is "true" and the origin server does not support Fuzzy
    # Matching ... The response shall include the following HTTP Warning header".
    label, uids = searchable
    reply = peer.request("GET", f"/workitems?WorklistLabel={label}&fuzzymatching=true")
    assert reply.status == 200
    assert "The fuzzymatching parameter is not supported. Only literal matching has been performed." in reply.warning


def test_search_accept(peer, searchable):
    label, _ = searchable
    assert peer.request("GET", f"/workitems?WorklistLabel={label}",
                        headers={"Accept": "application/dicom+json"}).status == 200
    assert_refused(peer.request("GET", f"/workitems?WorklistLabel={label}",
                                headers={"Accept": "application/dicom+xml"}), 406)


# ---------------------------------------------------------------------------------------------
# Update (PS3.18 11.6, PS3.4 CC.2.6)
# ---------------------------------------------------------------------------------------------

def test_update_a_scheduled_workitem_without_transaction(peer):
    # CC.2.6.2 "To N-SET a UPS instance currently in the SCHEDULED state, the Transaction UID
    # Attribute shall not be present in the request."
    uid = peer.create()
    assert peer.update(uid, {PRIORITY: el("CS", "HIGH")}).status == 200
    assert peer.stored(uid)[PRIORITY]["Value"] == ["HIGH"]
    assert_refused(peer.update(uid, {PRIORITY: el("CS", "LOW")}, new_uid()), 400, "0xC310",
                   "The target URI did not reference a claimed Workitem.")


def test_update_an_in_progress_workitem_needs_its_transaction_uid(peer):
    # CC.2.6.3 "The SCP shall refuse set requests on an IN PROGRESS UPS and not modify the UPS if
    # the set request does not include the Transaction UID (0008,1195) Attribute with the same
    # value as currently recorded in the UPS instance." PS3.18 Table 11.6.3-1: 400 "the
    # Transaction UID is missing", "the Transaction UID is incorrect".
    uid = peer.create()
    transaction = peer.claim(uid)
    progress = {PROGRESS_SEQ: el("SQ", {PROGRESS: el("DS", 50)})}
    assert_refused(peer.update(uid, progress), 400, "0xC301")
    assert_refused(peer.update(uid, progress, new_uid()), 400, "0xC301")
    assert PROGRESS_SEQ not in peer.stored(uid) or not peer.stored(uid)[PROGRESS_SEQ].get("Value")
    assert peer.update(uid, progress, transaction).status == 200
    assert peer.stored(uid)[PROGRESS_SEQ]["Value"][0][PROGRESS]["Value"] == [50]


@pytest.mark.parametrize("state", ["COMPLETED", "CANCELED"])
def test_final_states_may_not_be_updated(peer, state):
    # PS3.18 11.6.2 "If the Workitem is in the COMPLETED or CANCELED state, the response shall be
    # a 400 (Bad Request) failure response."; CC.2.6.3 "The SCP shall refuse set requests on a
    # COMPLETED or CANCELED UPS." (C300)
    uid, transaction = peer.in_state(state)
    assert_refused(peer.update(uid, {PRIORITY: el("CS", "LOW")}, transaction), 400, "0xC300")


@pytest.mark.parametrize("tag,element,words", [
    (STATE, el("CS", "COMPLETED"), "Change State"),                    # "Not Allowed. Use N-ACTION"
    (SOP_INSTANCE, el("UI", "2.25.9"), "Not allowed"),
    (SOP_CLASS, el("UI", PUSH_SOP_CLASS), "Not allowed"),
    ("00100010", el("PN", {"Alphabetic": "Other^Name"}), "Not allowed"),  # Patient's Name: N-SET Not allowed
    (TXN, el("UI", "2.25.9"), "query parameter"),
    (PRIORITY, el("CS"), "zero length"),                                  # 3/1: zero length not permitted
])
def test_update_refuses_attributes_it_may_not_set(peer, tag, element, words):
    # Table CC.2.5-3 "Req. Type N-SET": Not allowed for SOP Class/Instance UID, Procedure Step
    # State ("Use N-ACTION"), the patient attributes; PS3.18 11.6.1.2 the Transaction UID is a
    # Query Parameter.
    uid = peer.create()
    assert_refused(peer.update(uid, {tag: element}), 400, text=words)


def test_update_unknown_workitem_is_404(peer):
    assert_refused(peer.update(new_uid(), {PRIORITY: el("CS", "LOW")}), 404, "0xC307")


def test_update_spelling_of_the_transaction_parameter(peer):
    # PS3.18 11.6.1.2 "the Transaction UID Query Parameter": this server (dialect standard)
    # takes ?transaction= and refuses the other spellings.
    uid = peer.create()
    transaction = peer.claim(uid)
    body = [{PRIORITY: el("CS", "HIGH")}]
    assert_refused(peer.request("POST", f"/workitems/{uid}?transaction-uid={transaction}", body), 400)
    with_body = ordered({PRIORITY: el("CS", "HIGH"), TXN: el("UI", transaction)})
    assert_refused(peer.request("POST", f"/workitems/{uid}", [with_body]), 400)
    assert peer.request("POST", f"/workitems/{uid}?transaction={transaction}", body).status == 200


# ---------------------------------------------------------------------------------------------
# Change State: every cell of PS3.4 Table CC.1.1-2, mapped to HTTP by PS3.18 Table 11.7.3-1
# ---------------------------------------------------------------------------------------------

# (requested state, Transaction UID given) -> {current state: (HTTP status, PS3.4 code, state after)}
# "correct" = the one recorded at the claim (for a SCHEDULED workitem: any); "other" = another
# UID; "missing" = none. CC.2.1.2 note 2: "If two SCUs try to take control of a UPS, the
# second SCU will get an error since the first SCU established the correct Transaction UID, so
# the Transaction UID provided by the second SCU is incorrect." -> C301.
S, P, C, X = "SCHEDULED", "IN PROGRESS", "COMPLETED", "CANCELED"
CC_1_1_2 = {
    (P, "correct"): {S: (200, None, P), P: (409, "0xC302", P), C: (409, "0xC300", C), X: (409, "0xC300", X)},
    (P, "other"):   {P: (400, "0xC301", P), C: (400, "0xC301", C), X: (400, "0xC301", X)},
    (P, "missing"): {S: (400, "0xC301", S), P: (400, "0xC301", P), C: (400, "0xC301", C), X: (400, "0xC301", X)},
    (S, "correct"): {S: (409, "0xC303", S), P: (409, "0xC303", P), C: (409, "0xC303", C), X: (409, "0xC303", X)},
    (S, "missing"): {S: (409, "0xC303", S), P: (409, "0xC303", P), C: (409, "0xC303", C), X: (409, "0xC303", X)},
    (C, "correct"): {S: (409, "0xC310", S), P: (200, None, C), C: (200, "0xB306", C), X: (409, "0xC300", X)},
    (C, "other"):   {P: (400, "0xC301", P), C: (400, "0xC301", C), X: (400, "0xC301", X)},
    (C, "missing"): {S: (400, "0xC301", S), P: (400, "0xC301", P), C: (400, "0xC301", C), X: (400, "0xC301", X)},
    (X, "correct"): {S: (409, "0xC310", S), P: (200, None, X), C: (409, "0xC300", C), X: (200, "0xB304", X)},
    (X, "other"):   {P: (400, "0xC301", P), C: (400, "0xC301", C), X: (400, "0xC301", X)},
    (X, "missing"): {S: (400, "0xC301", S), P: (400, "0xC301", P), C: (400, "0xC301", C), X: (400, "0xC301", X)},
}
WARNINGS = {  # PS3.18 11.7.3.2
    "0xB304": "The UPS is already in the requested state of CANCELED.",
    "0xB306": "The UPS is already in the requested state of COMPLETED.",
}
CELLS = [(requested, given, state, *outcome)
         for (requested, given), row in CC_1_1_2.items() for state, outcome in row.items()]


@pytest.mark.parametrize("requested,given,state,status,code,after", CELLS,
                         ids=[f"{c[0]}-{c[1]}-from-{c[2]}".replace(" ", "_") for c in CELLS])
def test_state_transition_table(peer, requested, given, state, status, code, after):
    # CC.2.1.3 "The SCP shall only perform legal state changes as described in Table CC.1.1-2."
    uid, transaction = peer.in_state(state)
    txn = {"correct": transaction or new_uid(), "other": new_uid(), "missing": None}[given]
    reply = peer.change_state(uid, requested, txn)
    if status == 200:
        assert reply.status == 200, reply
        if code:
            assert WARNINGS[code] in reply.warning, reply
        else:
            assert not reply.warning
    else:
        reason = assert_refused(reply, status, code)
        if code == "0xC301":
            assert ("The Transaction UID is missing." if txn is None else "The Transaction UID is incorrect.") in reason
        else:
            assert "The submitted request is inconsistent with the state of the UPS Instance." in reason
    assert peer.state(uid) == after


@pytest.mark.parametrize("requested", [S, P, C, X])
def test_state_change_of_an_unknown_workitem_is_404(peer, requested):
    # Table CC.1.1-2 "does not exist" column: C307; PS3.18 Table 11.7.3-1 "404 (Not Found)".
    assert_refused(peer.change_state(new_uid(), requested, new_uid()), 404, "0xC307")


def test_the_claim_records_the_transaction_uid_and_the_log_shows_one_claim(peer):
    # CC.2.1.3 "Upon successfully changing the state of a UPS instance to IN PROGRESS, the SCP
    # shall record the Transaction UID provided by the SCU in the Transaction UID (0008,1195)".
    uid = peer.create()
    first = peer.claim(uid)
    assert_refused(peer.change_state(uid, P, new_uid()), 400, "0xC301")
    assert_refused(peer.change_state(uid, P, first), 409, "0xC302")
    assert peer.stored(uid)[TXN]["Value"] == [first]
    claims = [e for e in peer.history() if e.get("uid") == uid and e["action"] == "change-state"
              and e.get("to_state") == P and e.get("from_state") == S and e["http_status"] == 200]
    assert len(claims) == 1 and claims[0]["transaction_uid"] == first
    refused = [e for e in peer.history() if e.get("uid") == uid and e["action"] == "change-state"
               and e["http_status"] != 200]
    assert {e["ps34_status"] for e in refused} == {"0xC301", "0xC302"}


def test_concurrent_claims_succeed_exactly_once(peer):
    # PS3.4 CC.1.1: "For a SCHEDULED UPS, the SCP responds by changing the UPS state to IN
    # PROGRESS and recording the transaction UID for future use. For a UPS with other status,
    # the SCP rejects the request."
    import threading
    uid = peer.create()
    statuses = []
    barrier = threading.Barrier(8)

    def claim():
        barrier.wait()
        statuses.append(peer.change_state(uid, P, new_uid()).status)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [400] * 7
    wins = [e for e in peer.history() if e.get("uid") == uid and e.get("to_state") == P and e["http_status"] == 200
            and e["action"] == "change-state"]
    assert len(wins) == 1


def test_change_state_payload(peer):
    # PS3.18 11.7.1.4 "The request payload shall contain the Change UPS State Data Elements as
    # specified in Table CC.2.1-1" (Procedure Step State and Transaction UID, 1/1).
    uid = peer.create()
    assert_refused(peer.request("PUT", f"/workitems/{uid}/state", [{TXN: el("UI", new_uid())}]), 400, "0x0120")
    assert_refused(peer.request("PUT", f"/workitems/{uid}/state",
                                [ordered({STATE: el("CS", "CANCELLED"), TXN: el("UI", new_uid())})]), 400,
                   text="CANCELLED")
    extra = ordered({STATE: el("CS", P), TXN: el("UI", new_uid()), PRIORITY: el("CS", "HIGH")})
    assert_refused(peer.request("PUT", f"/workitems/{uid}/state", [extra]), 400, text="Action Information")
    assert peer.state(uid) == S


# ---------------------------------------------------------------------------------------------
# Final State requirements (PS3.4 CC.2.5.1.1, Table CC.2.5-3 Final State column)
# ---------------------------------------------------------------------------------------------

COMPLETION_ITEM = COMPLETION[PERFORMED_SEQ]["Value"][0]


@pytest.mark.parametrize("missing,keyword", [
    (None, "UnifiedProcedureStepPerformedProcedureSequence"),
    ("00404028", "PerformedStationNameCodeSequence"),
    ("00404050", "PerformedProcedureStepStartDateTime"),
    ("00404019", "PerformedWorkitemCodeSequence"),
    ("00404051", "PerformedProcedureStepEndDateTime"),
    ("00404033", "OutputInformationSequence"),
])
def test_completed_needs_the_final_state_p_attributes(peer, missing, keyword):
    # CC.2.1.3 "The SCP shall refuse requests to change the state of an IN PROGRESS UPS to
    # COMPLETED or CANCELED if the Final State requirements described in Table CC.2.5-3 have not
    # been met." Table CC.2.5-1 "P: The UPS State shall not be set to COMPLETED if this
    # Attribute does not have a value, but may be set to CANCELED." Output Information Sequence:
    # "If there are no relevant output objects, then this sequence may have no items."
    uid = peer.create()
    transaction = peer.claim(uid)
    if missing is not None:
        item = {k: v for k, v in COMPLETION_ITEM.items() if k != missing}
        assert peer.update(uid, {PERFORMED_SEQ: el("SQ", item)}, transaction).status == 200
    reason = assert_refused(peer.change_state(uid, C, transaction), 409, "0xC304", keyword)
    assert "The submitted request is inconsistent with the state of the UPS Instance." in reason
    assert peer.state(uid) == P
    assert peer.update(uid, COMPLETION, transaction).status == 200
    assert peer.change_state(uid, C, transaction).status == 200


def test_canceled_needs_the_final_state_x_attributes(peer):
    # Table CC.2.5-1 "X: The UPS State shall not be set to CANCELED if this Attribute does not
    # have a value, but may be set to COMPLETED." (Progress Information Sequence, Procedure Step
    # Cancellation DateTime, Procedure Step Discontinuation Reason Code Sequence). Cancellation
    # DateTime: "If changing the UPS State (0074,1000) to CANCELED and this Attribute has no
    # value, the SCP shall fill it with the current datetime."
    uid = peer.create()
    transaction = peer.claim(uid)
    assert_refused(peer.change_state(uid, X, transaction), 409, "0xC304",
                   "ProcedureStepDiscontinuationReasonCodeSequence")
    assert peer.update(uid, {PROGRESS_SEQ: el("SQ", {REASON: el("LT", "why")})}, transaction).status == 200
    assert_refused(peer.change_state(uid, X, transaction), 409, "0xC304",
                   "ProcedureStepDiscontinuationReasonCodeSequence")
    assert peer.update(uid, CANCELLATION, transaction).status == 200
    assert peer.change_state(uid, X, transaction).status == 200
    item = peer.stored(uid)[PROGRESS_SEQ]["Value"][0]
    assert item[CANCEL_DT]["Value"][0][:8].isdigit() and item[REASON]["Value"] == ["test cancellation"]


def test_completed_does_not_need_the_x_attributes_nor_canceled_the_p_ones(peer):
    uid = peer.create()
    transaction = peer.claim(uid)
    assert peer.update(uid, COMPLETION, transaction).status == 200
    assert peer.change_state(uid, C, transaction).status == 200
    other = peer.create()
    transaction = peer.claim(other)
    assert peer.update(other, CANCELLATION, transaction).status == 200
    assert peer.change_state(other, X, transaction).status == 200


# ---------------------------------------------------------------------------------------------
# Request Cancellation (PS3.18 11.8, PS3.4 CC.2.2): the "Request Cancel" row of CC.1.1-2
# ---------------------------------------------------------------------------------------------

def test_request_cancellation_of_a_scheduled_workitem_cancels_it(fresh):
    # CC.2.2.3 "If the Procedure Step State (0074,1000) of the UPS instance is still SCHEDULED,
    # the SCP shall change the Procedure Step State ... first to IN PROGRESS and then to
    # CANCELED, ensuring that the Final State requirements ... are met." PS3.18 Table 11.8.3-1
    # "202 (Accepted)".
    uid = fresh.create()
    assert fresh.request("POST", f"/workitems/{uid}/subscribers/WATCH").status == 201
    ws = WebSocket(fresh.port, "WATCH")
    try:
        assert event_state(ws.event()) == S                       # the initial report
        request = ordered({REASON: el("LT", "duplicate order"), "0074100C": el("LO", "Dr Who")})
        reply = fresh.cancel_request(uid, request)
        assert reply.status == 202 and reply.body == b""
        assert fresh.state(uid) == X
        item = fresh.stored(uid)[PROGRESS_SEQ]["Value"][0]
        assert item[REASON]["Value"] == ["duplicate order"] and item[DISCONTINUATION]["Value"] and item[CANCEL_DT]
        cancel_requested, in_progress, canceled = ws.events(3)
        # CC.2.4.3 "Each time the SCP receives an N-ACTION with an Action Type ID of 2 (Request
        # UPS Cancel), the SCP shall send a UPS Cancel Requested Event to subscribed SCUs."
        assert event_type(cancel_requested) == 2 and cancel_requested[REASON]["Value"] == ["duplicate order"]
        assert cancel_requested["0074100C"]["Value"] == ["Dr Who"]
        assert (event_type(in_progress), event_state(in_progress)) == (1, P)
        assert (event_type(canceled), event_state(canceled)) == (1, X)
        assert canceled[REASON]["Value"] == ["duplicate order"]
    finally:
        ws.close()
    [entry] = [e for e in fresh.history() if e["action"] == "cancelrequest"]
    assert (entry["from_state"], entry["to_state"], entry["http_status"]) == (S, X, 202)


def test_request_cancellation_of_an_in_progress_workitem_tells_the_subscribers(fresh):
    # CC.2.2.3 / Table CC.1.1-2 IN PROGRESS: "Report that an Application Entity requested a
    # cancel." The state does not change: the performer decides (CC.2.4.2).
    uid = fresh.create()
    transaction = fresh.claim(uid)
    assert fresh.request("POST", f"/workitems/{uid}/subscribers/PERFORMER").status == 201
    ws = WebSocket(fresh.port, "PERFORMER")
    try:
        assert event_state(ws.event()) == P
        code_item = code("110514", "DCM", "Incorrect worklist entry selected")
        request = ordered({REASON: el("LT", "wrong patient"), DISCONTINUATION: el("SQ", code_item),
                           "0074100A": el("UR", "mailto:x@example.org")})
        assert fresh.cancel_request(uid, request).status == 202
        event = ws.event()
        assert event_type(event) == 2 and event_uid(event) == uid
        assert event[REASON]["Value"] == ["wrong patient"] and event[DISCONTINUATION]["Value"]
        assert event["0074100A"]["Value"] == ["mailto:x@example.org"]
        assert fresh.state(uid) == P
        assert fresh.stored(uid)[TXN]["Value"] == [transaction]
    finally:
        ws.close()


def test_request_cancellation_of_final_and_unknown_workitems(peer):
    # Table CC.1.1-2 Request Cancel: COMPLETED -> C311 (PS3.18 Table 11.8.3-1 409 "the Target
    # Workitem is in the ... COMPLETED state"); CANCELED -> warning B304 (PS3.18 11.8.3.2 "If
    # the Workitem Instance is already in a canceled state, the response message shall include
    # the following HTTP Warning header field: ... The UPS is already in the requested state of
    # CANCELED."); does not exist -> C307 / 404.
    completed, _ = peer.in_state(C)
    assert_refused(peer.cancel_request(completed), 409, "0xC311")
    canceled, _ = peer.in_state(X)
    reply = peer.cancel_request(canceled)
    assert reply.status == 202 and "The UPS is already in the requested state of CANCELED." in reply.warning
    assert_refused(peer.cancel_request(new_uid()), 404, "0xC307")


def test_request_cancellation_payload(peer):
    # PS3.4 Table CC.2.2-1: Reason For Cancellation, Procedure Step Discontinuation Reason Code
    # Sequence, Contact URI, Contact Display Name (3/1 each).
    uid = peer.create()
    assert_refused(peer.cancel_request(uid, {PRIORITY: el("CS", "LOW")}), 400, text="Table CC.2.2-1")
    assert_refused(peer.cancel_request(uid, {REASON: el("LT")}), 400, "0x0121")
    assert peer.state(uid) == S


# ---------------------------------------------------------------------------------------------
# Subscriptions and events (PS3.18 11.10-11.13 and 8.10, PS3.4 CC.2.3 and CC.2.4)
# ---------------------------------------------------------------------------------------------

def test_websocket_handshake(fresh):
    # RFC 6455 4.2.2: Sec-WebSocket-Accept is base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)).
    ws = WebSocket(fresh.port, "HANDSHAKE")
    try:
        assert ws.status == 101
        assert ws.headers["upgrade"].lower() == "websocket" and "upgrade" in ws.headers["connection"].lower()
        expected = base64.b64encode(hashlib.sha1((ws.key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        assert ws.headers["sec-websocket-accept"] == expected.decode()
        ws.send(0x9, b"hello")                               # ping -> pong (RFC 6455 5.5.3)
        assert ws.frame() == (0xA, b"hello")
        ws.send(0x8, struct.pack("!H", 1000))                # close -> close (RFC 6455 5.5.1)
        opcode, payload = ws.frame()
        assert opcode == 0x8 and struct.unpack("!H", payload[:2])[0] == 1000
    finally:
        ws.sock.close()
    assert WebSocket(fresh.port, "BADKEY", key="c2hvcnQ=").status == 400
    assert WebSocket(fresh.port, "OLD", version="8").status == 426
    plain = fresh.request("GET", "/subscribers/PLAIN")
    assert_refused(plain, 426)


def test_unmasked_client_frames_close_the_connection(fresh):
    # RFC 6455 5.1 "The server MUST close the connection upon receiving a frame that is not
    # masked." (status 1002, protocol error)
    ws = WebSocket(fresh.port, "UNMASKED")
    try:
        ws.send(0x9, b"x", mask=False)
        opcode, payload = ws.frame()
        assert opcode == 0x8 and struct.unpack("!H", payload[:2])[0] == 1002
    finally:
        ws.sock.close()


def test_workitem_subscription_sends_the_initial_state_report_and_later_changes(fresh):
    # CC.2.4.3 "Each time the SCP completes a Subscribe to Receive UPS Event Reports Action ...
    # for a specific UPS instance, the SCP shall send to the Receiving AE a UPS State Report
    # Event and provide the current value of the Procedure Step State (0074,1000) and Input
    # Readiness State (0040,4041)". "Each time the SCP changes the Procedure Step State ... the
    # SCP shall send a UPS State Report Event to subscribed SCUs." "Each time the SCP updates the
    # Procedure Step Progress (0074,1004) ... the SCP shall send a UPS Progress Event, with the
    # current contents of the Progress Information Sequence (0074,1002)".
    uid = fresh.create()
    reply = fresh.request("POST", f"/workitems/{uid}/subscribers/ONE?deletionlock=true")
    assert reply.status == 201
    assert reply.headers["Content-Location"] == f"ws://127.0.0.1:{fresh.port}/ups-rs/subscribers/ONE"
    transaction = fresh.claim(uid)   # before the channel opens: queued, delivered when it does
    ws = WebSocket(fresh.port, "ONE")
    try:
        initial, claimed = ws.events(2)
        # One DICOM JSON object per message, with the command attributes of the N-EVENT-REPORT.
        assert isinstance(initial, dict) and list(initial) == sorted(initial)
        assert initial["00000002"]["Value"] == [PUSH_SOP_CLASS]
        assert event_uid(initial) == uid and initial[AFFECTED_UID]["vr"] == "UI"
        assert event_type(initial) == 1 and initial[EVENT_TYPE]["vr"] == "US"
        assert event_state(initial) == S and initial[READINESS]["Value"] == ["READY"]
        assert event_state(claimed) == P
        progress = {PROGRESS_SEQ: el("SQ", ordered({PROGRESS: el("DS", 30), PROGRESS_DESCRIPTION: el("ST", "30%")}))}
        assert fresh.update(uid, progress, transaction).status == 200
        report = ws.event()
        assert event_type(report) == 3
        assert report[PROGRESS_SEQ]["Value"][0][PROGRESS]["Value"] == [30]
        # An Update that changes no progress field sends nothing.
        assert fresh.update(uid, {PRIORITY: el("CS", "HIGH")}, transaction).status == 200
        assert ws.no_event()
        # Input Readiness State changes are State Reports.
        assert fresh.update(uid, {READINESS: el("CS", "INCOMPLETE")}, transaction).status == 200
        readiness = ws.event()
        assert event_type(readiness) == 1 and readiness[READINESS]["Value"] == ["INCOMPLETE"]
        # Replacing the Progress Information Sequence drops the progress fields: a Progress Report.
        assert fresh.update(uid, CANCELLATION, transaction).status == 200
        assert event_type(ws.event()) == 3
        assert fresh.change_state(uid, X, transaction).status == 200
        canceled = ws.event()
        # Table CC.2.4-1 UPS State Report: Reason For Cancellation and the Discontinuation
        # Reason Code Sequence (-/3) with the CANCELED state.
        assert event_state(canceled) == X and canceled[REASON]["Value"] == ["test cancellation"]
        assert canceled[DISCONTINUATION]["Value"]
    finally:
        ws.close()


def test_subscribe_to_an_unknown_workitem_is_404(peer):
    # PS3.18 Table 11.10.3-1 "404 (Not Found) The Target Resource was not found."
    assert_refused(peer.request("POST", f"/workitems/{new_uid()}/subscribers/NOBODY"), 404, "0xC307")
    assert_refused(peer.request("POST", f"/workitems/{GLOBAL}/subscribers/X?deletionlock=yes"), 400)
    assert_refused(peer.request("POST", f"/workitems/{GLOBAL}/subscribers/{'A' * 17}"), 400)
    assert_refused(peer.request("POST", f"/workitems/{FILTERED}/subscribers/X"), 400, text="filter")


def test_global_subscription_reports_new_workitems(fresh):
    # CC.2.4.3 "Each time the SCP creates a new UPS instance, the SCP shall send a UPS State
    # Report Event, indicating a change of status to SCHEDULED and the initial value of Input
    # Readiness State (0040,4041), to all AEs with a Global Subscription State of "Global
    # Subscription with Lock" or "Global Subscription w/o Lock"."
    before = fresh.create()
    assert fresh.request("POST", f"/workitems/{GLOBAL}/subscribers/ALL").status == 201
    ws = WebSocket(fresh.port, "ALL")
    try:
        # Table CC.2.3-2: subscribing globally w/o lock sends no initial events for existing ones.
        assert ws.no_event()
        uid = fresh.create()
        created = ws.event()
        assert (event_type(created), event_uid(created), event_state(created)) == (1, uid, S)
        transaction = fresh.claim(uid)
        assert event_state(ws.event()) == P
        # The AE was subscribed to the existing workitem too ("All Go to Subscribed w/o Lock").
        fresh.claim(before)
        assert event_uid(ws.event()) == before
        # CC.2.4.3 "Each time the SCP creates a new UPS instance and either the Scheduled Station
        # Name Code Sequence (0040,4025) or the Scheduled Human Performers Sequence (0040,4034) is
        # populated, the SCP shall also send a UPS Assigned Event".
        assigned = fresh.create(workitem(**{"00404025": el("SQ", code("ST1", "99FIXTURE", "Station 1"))}))
        state_report, assigned_event = ws.events(2)
        assert event_type(state_report) == 1 and event_type(assigned_event) == 5
        assert event_uid(assigned_event) == assigned and assigned_event["00404025"]["Value"]
        # Suspend (PS3.18 11.12): no new workitems, existing subscriptions kept.
        assert fresh.request("POST", f"/workitems/{GLOBAL}/subscribers/ALL/suspend").status == 200
        fresh.create()
        assert ws.no_event()
        fresh.update(uid, {PROGRESS_SEQ: el("SQ", {PROGRESS: el("DS", 10)})}, transaction)
        assert event_type(ws.event()) == 3
        assert_refused(fresh.request("POST", f"/workitems/{GLOBAL}/subscribers/ALL/suspend"), 404)
        # Unsubscribe globally: Table CC.2.3-2 "All Go to Not Subscribed".
        assert fresh.request("DELETE", f"/workitems/{GLOBAL}/subscribers/ALL").status == 200
        fresh.update(uid, {PROGRESS_SEQ: el("SQ", {PROGRESS: el("DS", 20)})}, transaction)
        assert ws.no_event()
        assert_refused(fresh.request("DELETE", f"/workitems/{GLOBAL}/subscribers/ALL"), 404)
    finally:
        ws.close()


def test_global_subscription_with_lock_sends_initial_reports(fresh):
    # CC.2.4.3 "Each time the SCP completes a Subscribe ... for the well-known UID
    # 1.2.840.10008.5.1.4.34.5 with the value of the Deletion Lock set to TRUE ..., the SCP shall
    # send to the Receiving AE a UPS State Report Event for every UPS Instance managed by the SCP".
    uids = [fresh.create(), fresh.create()]
    assert fresh.request("POST", f"/workitems/{GLOBAL}/subscribers/LOCKED?deletionlock=true").status == 201
    ws = WebSocket(fresh.port, "LOCKED")
    try:
        assert sorted(event_uid(e) for e in ws.events(2)) == sorted(uids)
    finally:
        ws.close()


def test_filtered_global_subscription(fresh):
    # CC.2.3.3.1 "An SCP that supports Filtered Global Subscription shall create an instance
    # subscription for each UPS Instance that would match a C-FIND request with the Matching
    # Keys provided in the subscription request." PS3.18 11.10.1.2 "filter = 1#(attribute "="
    # value)".
    filter_value = urllib.parse.quote("WorklistLabel=NIGHT,ScheduledProcedureStepPriority=HIGH")
    reply = fresh.request("POST", f"/workitems/{FILTERED}/subscribers/NIGHTLY?filter={filter_value}")
    assert reply.status == 201
    ws = WebSocket(fresh.port, "NIGHTLY")
    try:
        fresh.create(workitem(**{WORKLIST_LABEL: el("LO", "DAY"), PRIORITY: el("CS", "HIGH")}))
        fresh.create(workitem(**{WORKLIST_LABEL: el("LO", "NIGHT"), PRIORITY: el("CS", "LOW")}))
        wanted = fresh.create(workitem(**{WORKLIST_LABEL: el("LO", "NIGHT"), PRIORITY: el("CS", "HIGH")}))
        assert event_uid(ws.event()) == wanted
        assert ws.no_event()
    finally:
        ws.close()
    bad = urllib.parse.quote("TransactionUID=2.25.1")
    assert_refused(fresh.request("POST", f"/workitems/{FILTERED}/subscribers/NIGHTLY?filter={bad}"), 400)


def test_unsubscribe_from_a_workitem(fresh):
    # PS3.18 11.11: DELETE the Subscription -> 200; Table 11.11.3-1 "404 (Not Found) The target
    # Subscription was not found."
    uid = fresh.create()
    assert fresh.request("POST", f"/workitems/{uid}/subscribers/GONE").status == 201
    assert fresh.request("DELETE", f"/workitems/{uid}/subscribers/GONE").status == 200
    assert_refused(fresh.request("DELETE", f"/workitems/{uid}/subscribers/GONE"), 404)
    ws = WebSocket(fresh.port, "GONE")
    try:
        assert event_state(ws.event()) == S     # the initial report, queued before the unsubscribe
        fresh.claim(uid)
        assert ws.no_event()
    finally:
        ws.close()
    kinds = [e["action"] for e in fresh.history() if e.get("aet") == "GONE"]
    assert kinds[:3] == ["subscribe", "unsubscribe", "unsubscribe"]


def test_a_new_connection_for_the_same_ae_replaces_the_old_one(fresh):
    # PS3.18 8.10.4.2 "If the connection is lost at any point, the user agent can re-establish
    # it by repeating this transaction."
    uid = fresh.create()
    fresh.request("POST", f"/workitems/{uid}/subscribers/AGAIN")
    first = WebSocket(fresh.port, "AGAIN")
    assert event_state(first.event()) == S
    second = WebSocket(fresh.port, "AGAIN")
    try:
        opcode, _ = first.frame()
        assert opcode == 0x8
        fresh.claim(uid)
        assert event_state(second.event()) == P
    finally:
        first.sock.close()
        second.close()


# ---------------------------------------------------------------------------------------------
# Dialects
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ["transaction-uid", "transaction-in-body"])
def test_dialects_for_the_update_transaction_uid(tmp_path, dialect):
    server = Peer(tmp_path / dialect, dialect)
    try:
        uid = server.create()
        transaction = server.claim(uid)
        body = [{PRIORITY: el("CS", "HIGH")}]
        standard = server.request("POST", f"/workitems/{uid}?transaction={transaction}", body)
        assert_refused(standard, 400)
        if dialect == "transaction-uid":
            with_body = ordered({PRIORITY: el("CS", "HIGH"), TXN: el("UI", transaction)})
            assert_refused(server.request("POST", f"/workitems/{uid}", [with_body]), 400)
        else:
            assert_refused(server.request("POST", f"/workitems/{uid}?transaction-uid={transaction}", body), 400)
            assert_refused(server.request("POST", f"/workitems/{uid}", body), 400, "0xC301")
        assert server.update(uid, {PRIORITY: el("CS", "HIGH")}, transaction).status == 200
        assert server.update(uid, COMPLETION, transaction).status == 200
        assert server.change_state(uid, C, transaction).status == 200
        assert server.state(uid) == C
    finally:
        server.stop()


def test_dcm4chee_dialect_takes_the_requester_in_the_path(tmp_path):
    server = Peer(tmp_path / "dcm4chee", "dcm4chee")
    try:
        uid = server.create()
        plain = server.request("PUT", f"/workitems/{uid}/state", [ordered({STATE: el("CS", P),
                                                                           TXN: el("UI", new_uid())})])
        assert_refused(plain, 404, text="requesterAET")
        assert_refused(server.request("POST", f"/workitems/{uid}/cancelrequest"), 404)
        transaction = server.claim(uid)
        assert server.update(uid, COMPLETION, transaction).status == 200
        assert server.change_state(uid, C, transaction).status == 200
        other = server.create()
        assert server.request("POST", f"/workitems/{other}/subscribers/SEE").status == 201
        assert server.cancel_request(other, requester="CANCELER").status == 202
        events = server.request("GET", "/_fixture/events").json()
        [requested] = [e["event"] for e in events if event_type(e["event"]) == 2]
        assert requested["00741236"]["Value"] == ["CANCELER"]      # Requesting AE (Table CC.2.4-1)
        assert server.state(other) == X
    finally:
        server.stop()
    standard = Peer(tmp_path / "standard")
    try:
        uid = standard.create()
        assert_refused(standard.request("PUT", f"/workitems/{uid}/state/ME", [ordered({STATE: el("CS", P),
                                                                                    TXN: el("UI", new_uid())})]),
                       404)
    finally:
        standard.stop()
