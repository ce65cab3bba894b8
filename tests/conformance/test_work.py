"""dcmflow work: a UPS performer. Import workitems on the strict UPS-RS fixture
(tests/peers/) are claimed once each, run as jobs into a real Orthanc, and COMPLETED with
output references that match what Orthanc holds; a performer killed mid-job and started
again finishes its workitem; a cancellation request ends a running one as CANCELED."""

import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from dcmflow_testing import dcmflow_binary, run_dcmflow
from peer_fixtures import orthanc, ups_server  # noqa: F401 (fixtures)

STATE = "00741000"


def text(v):
    return {"vr": "LO", "Value": [v]}


def code(value, scheme, meaning):
    return {"00080100": {"vr": "SH", "Value": [value]}, "00080102": {"vr": "SH", "Value": [scheme]},
            "00080104": {"vr": "LO", "Value": [meaning]}}


def parameter(name, value):
    return {"0040A040": {"vr": "CS", "Value": ["TEXT"]},
            "0040A043": {"vr": "SQ", "Value": [code(name, "99DCMFLOW", name)]},
            "0040A160": {"vr": "UT", "Value": [value]}}


def import_workitem(patient_id, name, inputs, destination_ae="ORTHANC", settings=()):
    return {
        "00741200": {"vr": "CS", "Value": ["MEDIUM"]},
        "00741204": {"vr": "LO", "Value": [f"Import {patient_id}"]},
        "00404005": {"vr": "DT", "Value": ["20261204120000"]},
        "00404041": {"vr": "CS", "Value": ["READY"]},
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": name}]},
        "00100020": text(patient_id),
        "00404018": {"vr": "SQ", "Value": [code("DCMFLOW-IMPORT", "99DCMFLOW", "Import with dcmflow")]},
        "00741210": {"vr": "SQ", "Value": [parameter("DCMFLOW-INPUT", each) for each in inputs] +
                     [parameter("DCMFLOW-SET", each) for each in settings]},
        "00404070": {"vr": "SQ", "Value": [{"00404071": {"vr": "SQ", "Value": [
            {"21000140": {"vr": "AE", "Value": [destination_ae]}}]}}]},
    }


def make_scans(folder, count, size=384, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(seed)
    for index in range(count):
        pixels = generator.integers(0, 255, (size, size), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"page-{index:04d}.png")


def create(url, tmp_path, workitem):
    file = tmp_path / f"workitem-{time.monotonic_ns()}.json"
    file.write_text(json.dumps(workitem))
    return run_dcmflow("ups", "create", url, "--json", str(file), check=0).stdout.strip()


def performer(url, tmp_path, name, orthanc_peer, *extra):  # noqa: F811
    state = tmp_path / f"state-{name}"
    log = open(tmp_path / f"{name}.log", "ab")
    process = subprocess.Popen([dcmflow_binary(), "work", url, "--ae", name, "--state", str(state), "--input-root",
                                str(tmp_path / "inputs"), "--peer", f"ORTHANC={orthanc_peer.url}", "--poll", "1",
                                "--progress-seconds", "1", *extra], stdout=log, stderr=subprocess.STDOUT)
    return process


def wait_for(predicate, seconds, what, poll=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def state_of(server, uid):
    return (server.stored(uid).get(STATE, {}).get("Value") or [None])[0]


def referenced_instances(workitem) -> set:
    found = set()
    for performed in workitem.get("00741216", {}).get("Value", []):
        for output in performed.get("00404033", {}).get("Value", []):
            for reference in output["00081199"]["Value"]:
                found.add(reference["00081155"]["Value"][0])
    return found


def orthanc_instances(peer, patient_id) -> set:
    found = peer.request("POST", "/tools/find", json.dumps(
        {"Level": "Instance", "Query": {"PatientID": patient_id}, "Expand": True}).encode())
    return {each["MainDicomTags"]["SOPInstanceUID"] for each in found}


def claims(server, uid) -> int:
    return sum(1 for entry in server.history()
               if entry.get("uid") == uid and entry.get("action") == "change-state" and entry.get("to_state") == "IN PROGRESS"
               and entry.get("from_state") == "SCHEDULED" and entry.get("http_status") == 200)


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_performers_complete_three_workitems_each_claimed_once(tmp_path, ups_server, orthanc):  # noqa: F811
    uids = {}
    for index, patient in enumerate(["WORK-A", "WORK-B", "WORK-C"]):
        make_scans(tmp_path / "inputs" / patient, 12, seed=index)
        uids[patient] = create(ups_server.url, tmp_path, import_workitem(patient, f"Patient^{patient}", [patient],
                                                                         settings=[f"StudyDescription=Scans {index}"]))
    first = performer(ups_server.url, tmp_path, "PERFORMER1", orthanc, "--watch")
    second = performer(ups_server.url, tmp_path, "PERFORMER2", orthanc, "--watch")
    try:
        wait_for(lambda: all(state_of(ups_server, uid) in ("COMPLETED", "CANCELED") for uid in uids.values()), 240,
                 "three ended workitems")
    finally:
        stop(first)
        stop(second)
    for patient, uid in uids.items():
        assert state_of(ups_server, uid) == "COMPLETED", (patient, ups_server.stored(uid).get("00741002"))
        assert claims(ups_server, uid) == 1, patient
        ended = ups_server.stored(uid)
        held = orthanc_instances(orthanc, patient)
        assert len(held) == 12
        assert referenced_instances(ended) == held, patient
        [study] = orthanc.request("POST", "/tools/find", json.dumps(
            {"Level": "Study", "Query": {"PatientID": patient}, "Expand": True}).encode())
        assert study["MainDicomTags"]["StudyDescription"].startswith("Scans ")  # DCMFLOW-SET reached every object
    # Neither performer wrote patient data into what it printed.
    for name in ("PERFORMER1", "PERFORMER2"):
        said = (tmp_path / f"{name}.log").read_text()
        assert "Patient^" not in said and "WORK-" not in said


def test_a_performer_killed_mid_job_finishes_its_workitem_when_started_again(tmp_path, ups_server, orthanc):  # noqa: F811
    make_scans(tmp_path / "inputs" / "big", 400, size=512)
    uid = create(ups_server.url, tmp_path, import_workitem("WORK-KILL", "Kill^Me", ["big"]))
    first = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    try:
        # Mid-job: some inputs stored, not all (its progress says so).
        def some_progress():
            progress = ups_server.stored(uid).get("00741002", {}).get("Value", [])
            return progress and 0 < float(progress[0]["00741004"]["Value"][0]) < 100
        wait_for(some_progress, 120, "progress reported")
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    assert state_of(ups_server, uid) == "IN PROGRESS"
    again = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    assert again.wait(timeout=300) == 0
    assert state_of(ups_server, uid) == "COMPLETED"
    assert claims(ups_server, uid) == 1  # resumed with its own Transaction UID, not claimed anew
    held = orthanc_instances(orthanc, "WORK-KILL")
    assert len(held) == 400
    assert referenced_instances(ups_server.stored(uid)) == held


def test_a_cancellation_request_stops_the_job_and_cancels_the_workitem(tmp_path, ups_server, orthanc):  # noqa: F811
    make_scans(tmp_path / "inputs" / "big", 400, size=512)
    uid = create(ups_server.url, tmp_path, import_workitem("WORK-STOP", "Stop^Me", ["big"]))
    worker = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    try:
        wait_for(lambda: state_of(ups_server, uid) == "IN PROGRESS", 60, "the claim")
        run_dcmflow("ups", "request-cancel", ups_server.url, uid, "--reason", "wrong patient", check=0)
        assert worker.wait(timeout=120) == 1  # a canceled workitem is not a success
    finally:
        if worker.poll() is None:
            worker.kill()
    ended = ups_server.stored(uid)
    assert state_of(ups_server, uid) == "CANCELED"
    reason = ended["00741002"]["Value"][0]["00741238"]["Value"][0]
    assert "wrong patient" in reason
    held = orthanc_instances(orthanc, "WORK-STOP")
    assert len(held) < 400  # stopped, not run to the end
    assert referenced_instances(ended) == held  # what did arrive is named


def test_a_workitem_naming_an_input_outside_the_root_is_canceled_with_the_reason(tmp_path, ups_server, orthanc):  # noqa: F811
    (tmp_path / "inputs").mkdir()
    uid = create(ups_server.url, tmp_path, import_workitem("WORK-OUT", "Out^Side", ["/etc"]))
    worker = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    assert worker.wait(timeout=60) == 1
    ended = ups_server.stored(uid)
    assert state_of(ups_server, uid) == "CANCELED"
    assert "outside the performer's input root" in ended["00741002"]["Value"][0]["00741238"]["Value"][0]
    assert orthanc.count_instances() == 0


def test_a_job_with_a_failed_input_cancels_the_workitem_without_naming_the_input(tmp_path, ups_server, orthanc):  # noqa: F811
    make_scans(tmp_path / "inputs" / "mixed", 3)
    # Input names can be patients' names: they must not reach the workitem.
    (tmp_path / "inputs" / "mixed" / "Zhang_San_report.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    uid = create(ups_server.url, tmp_path, import_workitem("WORK-FAIL", "Fail^Once", ["mixed"]))
    worker = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    assert worker.wait(timeout=120) == 1
    assert state_of(ups_server, uid) == "CANCELED"
    reason = ups_server.stored(uid)["00741002"]["Value"][0]["00741238"]["Value"][0]
    assert "1 of 4 inputs failed" in reason
    assert "Zhang" not in reason and "Zhang" not in (tmp_path / "PERFORMER.log").read_text()
    held = orthanc_instances(orthanc, "WORK-FAIL")
    assert len(held) == 3  # the good ones were stored all the same, and the workitem says so
    assert referenced_instances(ups_server.stored(uid)) == held


def test_a_workitem_whose_inputs_are_not_ready_is_left_scheduled(tmp_path, ups_server, orthanc):  # noqa: F811
    make_scans(tmp_path / "inputs" / "arriving", 2)
    workitem = import_workitem("WORK-WAIT", "Wait^Me", ["arriving"])
    workitem["00404041"] = {"vr": "CS", "Value": ["INCOMPLETE"]}  # still being copied in
    uid = create(ups_server.url, tmp_path, workitem)
    worker = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    assert worker.wait(timeout=60) == 0
    assert state_of(ups_server, uid) == "SCHEDULED"
    assert orthanc.count_instances() == 0


def test_operator_mistakes_stop_the_performer_before_it_claims_anything(tmp_path, ups_server, orthanc):  # noqa: F811
    make_scans(tmp_path / "inputs" / "scans", 1)
    uid = create(ups_server.url, tmp_path, import_workitem("WORK-OP", "Op^Erator", ["scans"]))
    base = [dcmflow_binary(), "work", ups_server.url, "--state", str(tmp_path / "state")]
    cases = [
        base + ["--input-root", str(tmp_path / "inputs")],  # no --peer
        base + ["--input-root", str(tmp_path / "not-mounted"), "--peer", f"ORTHANC={orthanc.url}"],
        base + ["--input-root", str(tmp_path / "inputs"), "--peer", f"ORTHANC={orthanc.url}", "--ae", "A" * 17],
    ]
    for command in cases:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (command, done.stderr)
    # A performer that does not list the workitem's destination leaves it to another.
    other = subprocess.run(base + ["--input-root", str(tmp_path / "inputs"), "--peer", f"ELSEWHERE={orthanc.url}"],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr
    assert "left for another performer" in other.stdout
    assert state_of(ups_server, uid) == "SCHEDULED"


def test_a_cancellation_heard_before_the_performer_died_is_kept(tmp_path, ups_server, orthanc):  # noqa: F811
    make_scans(tmp_path / "inputs" / "big", 400, size=512)
    uid = create(ups_server.url, tmp_path, import_workitem("WORK-KEEP", "Keep^Cancel", ["big"]))
    worker = performer(ups_server.url, tmp_path, "PERFORMER", orthanc, "--stop-grace", "600")
    try:
        wait_for(lambda: state_of(ups_server, uid) == "IN PROGRESS", 60, "the claim")
        run_dcmflow("ups", "request-cancel", ups_server.url, uid, "--reason", "wrong patient", check=0)
        # Killed as soon as the claim holds the request: before the job has stopped and the
        # workitem is ended (the job's items in flight take longer than this poll).
        claim = tmp_path / "state-PERFORMER" / "claims" / f"{uid}.json"
        wait_for(lambda: claim.exists() and b"cancel_reason" in claim.read_bytes(), 60, "the request kept",
                 poll=0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert state_of(ups_server, uid) == "IN PROGRESS", "the kill came after the workitem was ended"
    again = performer(ups_server.url, tmp_path, "PERFORMER", orthanc)
    assert again.wait(timeout=120) == 1
    assert state_of(ups_server, uid) == "CANCELED"  # not resumed into a COMPLETED import
    assert "resuming its cancellation" in (tmp_path / "PERFORMER.log").read_text()
    ended = ups_server.stored(uid)
    assert "wrong patient" in ended["00741002"]["Value"][0]["00741238"]["Value"][0]
    held = orthanc_instances(orthanc, "WORK-KEEP")
    assert len(held) < 400
