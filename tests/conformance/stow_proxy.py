"""A STOW-RS fault injector in front of a real Orthanc: it answers POST /studies the way a
faulty server does, as `faults` says, and passes every other request (and the POSTs it lets
through) to Orthanc unchanged. Bound to 127.0.0.1 on a free port, stopped by the test.

Faults, each a function of the request's number (1, 2, ...) and its instances:
- "confirm-nothing": 200 with an empty JSON object; nothing is stored.
- "out-of-resources-once": the first request gets 202 with every instance in the Failed SOP
  Sequence, Failure Reason A700; later ones pass.
- "too-large-batches": 413 for any request of more than one instance; single ones pass.
- "refuse-c000": 202 with every instance in the Failed SOP Sequence, Failure Reason C000
  (cannot understand): a refusal of the instances, final.
- "three-in-ten": requests 1, 4, 7 of every ten meet a fault, in turn: 503 with Retry-After,
  429 with Retry-After, 500, the connection closed without an answer, 202 with A700 for
  every instance, 200 confirming nothing; the others pass.
"""

import http.server
import io
import json
import threading
import urllib.error
import urllib.request

import pydicom


def instances_of(body: bytes, content_type: str):
    boundary = content_type.split("boundary=")[1].strip().strip('"').encode()
    parts = body.split(b"--" + boundary)[1:-1]
    found = []
    for part in parts:
        payload = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
        dataset = pydicom.dcmread(io.BytesIO(payload), stop_before_pixels=True)
        found.append((dataset.SOPClassUID, dataset.SOPInstanceUID))
    return found


def failed_response(instances, reason):
    items = [{"00081150": {"vr": "UI", "Value": [cls]}, "00081155": {"vr": "UI", "Value": [uid]},
              "00081197": {"vr": "US", "Value": [reason]}} for cls, uid in instances]
    return {"00081198": {"vr": "SQ", "Value": items}}


class StowProxy:
    def __init__(self, orthanc_http_port: int, fault: str):
        self.target = f"http://127.0.0.1:{orthanc_http_port}"
        self.fault = fault
        self.requests = []  # instances per POST, in order
        self.faults = 0  # answers "three-in-ten" made faulty
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body: bytes, content_type="application/dicom+json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def forward(self, body=None):
                request = urllib.request.Request(proxy.target + self.path, data=body, method=self.command)
                for name in ("Content-Type", "Accept"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        self.reply(answer.status, answer.read(), answer.headers.get("Content-Type", "application/json"))
                except urllib.error.HTTPError as error:
                    self.reply(error.code, error.read())

            def do_GET(self):  # noqa: N802
                self.forward()

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                instances = instances_of(body, self.headers["Content-Type"])
                proxy.requests.append(instances)
                number = len(proxy.requests)
                if proxy.fault == "confirm-nothing":
                    return self.reply(200, b"{}")
                if proxy.fault == "out-of-resources-once" and number == 1:
                    return self.reply(202, json.dumps(failed_response(instances, 0xA700)).encode())
                if proxy.fault == "too-large-batches" and len(instances) > 1:
                    return self.reply(413, b"")
                if proxy.fault == "refuse-c000":
                    return self.reply(202, json.dumps(failed_response(instances, 0xC000)).encode())
                if proxy.fault == "three-in-ten" and number % 10 in (1, 4, 7):
                    return self.fault_in_turn(number // 10 * 3 + (1, 4, 7).index(number % 10), instances)
                self.forward(body)

            def fault_in_turn(self, turn, instances):
                kind = turn % 6
                if kind in (0, 1):
                    self.send_response(503 if kind == 0 else 429)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif kind == 2:
                    self.reply(500, b"")
                elif kind == 3:
                    self.close_connection = True  # no answer at all
                elif kind == 4:
                    self.reply(202, json.dumps(failed_response(instances, 0xA700)).encode())
                else:
                    self.reply(200, b"{}")
                proxy.faults += 1

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/dicom-web"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
