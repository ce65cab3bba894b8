"""pytest fixtures around scripts/peers.py: a fresh Orthanc or storescp per test, skipped
with the reason when the peer is not installed."""

import pathlib
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
