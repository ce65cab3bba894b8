"""Real peers for tests and benches: Orthanc (Debian `orthanc`, a config written per use,
storage in a folder of its own) and DCMTK's storescp, on free loopback ports, without Nagle
(as ../shared/PEERS.md advises), stopped by PID. Raises PeerMissing when one is not
installed (tests turn that into a skip with the reason)."""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

ORTHANC = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
PLUGINS = pathlib.Path("/usr/share/orthanc/plugins")


class PeerMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peer_environment():
    return dict(os.environ, TCP_NODELAY="1")


class Orthanc:
    def __init__(self, folder: pathlib.Path, aet="ORTHANC", extra_config=None):
        if not os.path.exists(ORTHANC):
            raise PeerMissing("Orthanc is not installed (scripts/setup.sh --tests installs it)")
        self.folder = folder
        self.aet = aet
        self.dicom_port = free_port()
        self.http_port = free_port()
        self.process = None
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "Name": "dcmflow-test", "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "index"), "DicomAet": aet, "DicomPort": self.dicom_port,
            "HttpPort": self.http_port, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
            "DicomCheckCalledAet": False, "Plugins": [str(PLUGINS / "libOrthancDicomWeb.so")],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "HttpServerEnabled": True,
            "StorageCompression": False, "DicomAlwaysAllowStore": True, "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowFind": True, "DicomAlwaysAllowGet": True,
        }
        config.update(extra_config or {})
        self.config = folder / "orthanc.json"
        self.config.write_text(json.dumps(config))
        self.start()

    @property
    def url(self) -> str:
        return f"dicom://{self.aet}@127.0.0.1:{self.dicom_port}"

    def start(self):
        self.log = open(self.folder / "orthanc.log", "ab")
        self.process = subprocess.Popen([ORTHANC, str(self.config)], stdout=self.log, stderr=subprocess.STDOUT,
                                        env=peer_environment())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited: see {self.folder / 'orthanc.log'}")
            try:
                self.get("/system")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Orthanc did not start in 30 s")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=10) as response:
            return json.loads(response.read())

    def count_instances(self) -> int:
        return self.get("/statistics")["CountInstances"]

    def request(self, method, path, body=b""):
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", data=body or None, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def delete_instance(self, sop_instance_uid: str):
        found = self.request("POST", "/tools/lookup", sop_instance_uid.encode())
        for entry in found:
            if entry["Type"] == "Instance":
                self.request("DELETE", f"/instances/{entry['ID']}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class StoreSCP:
    """DCMTK's storescp. By default it accepts only uncompressed syntaxes: the natural
    'PACS that refuses JPEG-LS'. `options`: more of its own (--refuse, --abort-after...)."""

    def __init__(self, folder: pathlib.Path, aet="STORESCP", accept_all=False, fork=False, options=()):
        if not shutil.which("storescp"):
            raise PeerMissing("storescp (dcmtk) is not installed")
        self.folder = folder
        self.aet = aet
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        command = (["storescp", "-od", str(folder), "-aet", aet] + (["+xa"] if accept_all else []) +
                   (["--fork"] if fork else []) + list(options) + [str(self.port)])
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=peer_environment())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("storescp did not start")

    @property
    def url(self) -> str:
        return f"dicom://{self.aet}@127.0.0.1:{self.port}"

    def files(self):
        return sorted(path for path in self.folder.iterdir() if path.is_file())

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
