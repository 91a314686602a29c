"""Faults under a running service: the gRPC server killed (-9) under the bridge and restarted; read-only
and full output storage (tmpfs, where the test may mount one)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from tests.conftest import data_set, labels
from tests.e2e.test_make_serve import free_port
from tests.reliability.mounts import remount_read_only, tmpfs
from tests.reliability.processes import start_server, stop

pytestmark = pytest.mark.e2e
API = "/galaxy-alpr/v1"
# The bridge must serve within this long of the server answering health checks again (issue 15).
RECOVERY_S = 2.0


def photo() -> bytes:
    record = labels("openalpr-us")[0]
    return bytes((data_set("openalpr-us") / record["image"]).read_bytes())


def test_kill_9_under_the_bridge_then_restart(tmp_path: Path) -> None:
    port = free_port()
    proc, target = start_server(tmp_path / "a", port)
    with TestClient(create_app(BridgeSettings(grpc_target=target))) as bridge:
        try:
            assert bridge.get(f"{API}/health").status_code == 200
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            down = bridge.post(f"{API}/alpr-core/process-single-image",
                               files={"file": ("a.jpg", photo(), "image/jpeg")})
            body = down.json()
            assert down.status_code == 503 and body["reason"] == "BACKEND_UNAVAILABLE", body
            assert "Retry-After" in down.headers
            assert "127.0.0.1" not in body["error"] and str(port) not in body["error"]  # no internal address
            assert bridge.get(f"{API}/health").status_code == 503
            proc, _ = start_server(tmp_path / "b", port)  # serving again: the bridge must follow quickly
            back = time.monotonic()
            while bridge.get(f"{API}/health").status_code != 200:
                assert time.monotonic() - back < RECOVERY_S, "the bridge did not reconnect in time"
                time.sleep(0.05)
            r = bridge.post(f"{API}/alpr-core/process-single-image", files={"file": ("a.jpg", photo(), "image/jpeg")})
            assert r.status_code == 200
        finally:
            stop(proc)


def test_read_only_and_full_storage_answer_the_read(tmp_path: Path) -> None:
    content = photo()
    with tmpfs(tmp_path / "out", size_kib=3072) as root:
        # The read history lives off the artefact tmpfs (its open database would keep the remount busy).
        proc, target = start_server(
            root, GALAXY_ALPR__HISTORY__DATABASE_URL=f"sqlite:///{tmp_path / 'history.db'}")
        try:
            with TestClient(create_app(BridgeSettings(grpc_target=target))) as bridge:
                answers = [bridge.post(f"{API}/alpr-core/process-single-image",
                                       files={"file": ("a.jpg", content, "image/jpeg")}) for _ in range(6)]
                assert all(a.status_code == 200 for a in answers), [a.json() for a in answers]
                warned = [a.json()["data"] for a in answers if "storage_warning" in a.json()["data"]]
                assert warned, "3 MiB should be full within 6 photos"
                assert all(w["detections"] and w["uploaded_image_path"] == "" for w in warned)
                results = list((root / "images_processed" / "results").glob("*.json"))
                assert all(p.stat().st_size > 0 for p in results)  # never a 0-byte results file
                health = bridge.get(f"{API}/health").json()
                assert health["status"] == "degraded" and any(i.startswith("storage:") for i in health["issues"])
                remount_read_only(root)
                r = bridge.post(f"{API}/alpr-core/process-single-image",
                                files={"file": ("a.jpg", content, "image/jpeg")})
                assert r.status_code == 200 and "storage_warning" in r.json()["data"]
                issues = bridge.get(f"{API}/health").json()["issues"]
                assert any("not writable" in i for i in issues), issues
        finally:
            stop(proc)
