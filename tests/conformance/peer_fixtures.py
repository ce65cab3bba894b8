"""pytest fixtures around scripts/peers.py: a fresh Orthanc or storescp per test, skipped
with the reason when the peer is not installed."""

import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
from peers import Orthanc as _Orthanc, PeerMissing, StoreSCP as _StoreSCP, free_port  # noqa: E402,F401


def Orthanc(folder, **options):  # noqa: N802 (a class to its callers)
    try:
        return _Orthanc(folder, **options)
    except PeerMissing as missing:
        pytest.skip(str(missing))


def StoreSCP(folder, **options):  # noqa: N802
    try:
        return _StoreSCP(folder, **options)
    except PeerMissing as missing:
        pytest.skip(str(missing))


@pytest.fixture
def orthanc(tmp_path):
    peer = Orthanc(tmp_path / "orthanc")
    yield peer
    peer.stop()


@pytest.fixture
def storescp(tmp_path):
    peer = StoreSCP(tmp_path / "storescp")
    yield peer
    peer.stop()


UPS_SERVER = pathlib.Path(__file__).resolve().parents[1] / "peers" / "ups_rs_server.py"


class UpsServer:
    """tests/peers/ups_rs_server.py, the strict UPS-RS fixture (no UPS-RS server installs
    offline on Debian 12), on a free port; stopped by PID."""

    def __init__(self, folder: pathlib.Path, dialect="standard"):
        import subprocess
        import time
        folder.mkdir(parents=True, exist_ok=True)
        port_file = folder / "port"
        self.log_file = open(folder / "ups-server.log", "ab")
        self.process = subprocess.Popen(["/usr/bin/python3", str(UPS_SERVER), "--port", "0", "--port-file",
                                         str(port_file), "--dialect", dialect],
                                        stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the UPS-RS fixture did not start: see {folder / 'ups-server.log'}")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}/ups-rs"

    def _get(self, path):
        import json
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
            return json.loads(response.read() or b"null")

    def history(self) -> list:
        """Every state-relevant request and its outcome (the fixture's /_fixture/log)."""
        return self._get("/_fixture/log")

    def stored(self, uid: str) -> dict:
        """The workitem as the server holds it, Transaction UID included."""
        return self._get(f"/_fixture/workitems/{uid}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:  # noqa: BLE001 (stopped either way)
                self.process.kill()
                self.process.wait()
        self.log_file.close()


@pytest.fixture
def ups_server(tmp_path):
    server = UpsServer(tmp_path / "ups")
    yield server
    server.stop()


def make_certificates(folder: pathlib.Path):
    """A test CA, and a server and a client certificate it signed (openssl)."""
    folder.mkdir()

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=dcmflow test CA")
    # The server's certificate names the address the tests connect to; "wrong" is as valid,
    # signed by the same CA, for another host.
    names = {"server": "IP:127.0.0.1,DNS:localhost", "client": "DNS:dcmflow-client", "wrong": "DNS:wrong.example"}
    for name, subject_names in names.items():
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN=dcmflow test {name}")
        (folder / f"{name}.ext").write_text(f"subjectAltName={subject_names}\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return folder


def tls_orthanc(tmp_path, certificates, name):
    """Orthanc over DICOM TLS presenting `name`.pem, requiring a client certificate of our CA."""
    return Orthanc(tmp_path / "orthanc", extra_config={
        "DicomTlsEnabled": True, "DicomTlsCertificate": str(certificates / f"{name}.pem"),
        "DicomTlsPrivateKey": str(certificates / f"{name}.key"),
        "DicomTlsTrustedCertificates": str(certificates / "ca.pem"), "DicomTlsRemoteCertificateRequired": True})
