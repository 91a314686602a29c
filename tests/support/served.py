"""scripts/serve.py (what `make serve` runs) as a subprocess on free loopback ports, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import MODELS, REPO_ROOT

API = "/galaxy-alpr/v1"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """One serve.py run: the REST base URL and the process."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGINT (as Ctrl-C) and wait; kill only this process if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def serve(base: Path, *, grpc_port: int = 0, http_port: int = 0, **env: str) -> Served:
    """Start serve.py with outputs (and the SQLite history) under base; wait until /health answers."""
    grpc_port, http_port = grpc_port or free_port(), http_port or free_port()
    environ = {**os.environ, "GALAXY_ALPR__SERVER__PORT": str(grpc_port), "GALAXY_ALPR_BRIDGE__PORT": str(http_port),
               "GALAXY_ALPR_BRIDGE__HOST": "127.0.0.1", "GALAXY_ALPR__SERVER__HOST": "127.0.0.1",
               "GALAXY_ALPR__BASE_DIR": str(base), "GALAXY_ALPR__OCR__PROVIDER": "local",
               "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(MODELS / "vehicle_detector.onnx"),
               "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(MODELS / "unified_detector.onnx"),
               "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": str(MODELS / "confidence_calibration.json"),
               "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(MODELS / "plate_detector.onnx"),
               "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(MODELS / "plate_recognizer.onnx"), **env}
    environ.pop("GEMINI_API_KEY", None)
    log = base / f"serve-{http_port}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "scripts/serve.py"], cwd=REPO_ROOT, env=environ, stdout=out,
                                stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{http_port}", proc, log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve.py exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{served.url}{API}/health", timeout=2).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    served.stop()
    pytest.fail(f"service did not start:\n{log.read_text()[-3000:]}")
