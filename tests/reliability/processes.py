"""The real server (and bridge) as child processes on free ports, for fault tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.conftest import MODELS, REPO_ROOT
from tests.e2e.test_make_serve import free_port


def server_env(base_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """Environment for `python -m server.main` with outputs under base_dir."""
    return {**os.environ, "GALAXY_ALPR__SERVER__PORT": str(port), "GALAXY_ALPR__SERVER__HOST": "127.0.0.1",
            "GALAXY_ALPR__BASE_DIR": str(base_dir), "GALAXY_ALPR__OCR__PROVIDER": "local",
            "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(MODELS / "vehicle_detector.onnx"),
            "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(MODELS / "unified_detector.onnx"),
            "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": str(MODELS / "confidence_calibration.json"),
            "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(MODELS / "plate_detector.onnx"),
            "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(MODELS / "plate_recognizer.onnx"),
            "GALAXY_ALPR__SERVER__METRICS_PORT": "0", **extra}


def start_server(base_dir: Path, port: int | None = None, *, log: Path | None = None,
                 **extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the gRPC server process and wait until it serves; returns (process, target)."""
    port = port or free_port()
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "server.main"], cwd=REPO_ROOT,
                            env=server_env(base_dir, port, **extra), stdout=out, stderr=subprocess.STDOUT)
    target = f"127.0.0.1:{port}"
    wait_serving(target, proc)
    return proc, target


def wait_serving(target: str, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    """Block until the server's health check says SERVING (fails when the process exits)."""
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("server exited during start-up")
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == \
                        health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                time.sleep(0.2)
    pytest.fail("server did not become healthy")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process if it still runs."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(30)
