"""SIGTERM lets in-flight calls finish: the server process as `make serve` starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clients.alpr_client import AlprClient, ImageItem
from tests.conftest import MODELS, REPO_ROOT, data_set, labels
from tests.e2e.test_make_serve import free_port

pytestmark = pytest.mark.e2e


def wait_serving(target: str, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            assert proc.poll() is None, "server exited during start-up"
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == \
                        health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                time.sleep(0.3)
    pytest.fail("server did not become healthy")


def test_sigterm_finishes_the_stream_in_flight(tmp_path: Path) -> None:
    photo = data_set("openalpr-us") / labels("openalpr-us")[0]["image"]
    port = free_port()
    env = {**os.environ, "GALAXY_ALPR__SERVER__PORT": str(port), "GALAXY_ALPR__SERVER__HOST": "127.0.0.1",
           "GALAXY_ALPR__BASE_DIR": str(tmp_path), "GALAXY_ALPR__OCR__PROVIDER": "local",
           "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(MODELS / "vehicle_detector.onnx"),
           "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(MODELS / "unified_detector.onnx"),
           "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": str(MODELS / "confidence_calibration.json"),
           "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(MODELS / "plate_detector.onnx"),
           "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(MODELS / "plate_recognizer.onnx"),
           "GALAXY_ALPR__SERVER__GRACE_PERIOD_S": "60"}
    proc = subprocess.Popen([sys.executable, "-m", "server.main"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        target = f"127.0.0.1:{port}"
        wait_serving(target, proc)
        images = [ImageItem(f"{i}.jpg", photo.read_bytes()) for i in range(6)]
        answered: list[str] = []
        errors: list[BaseException] = []
        first = threading.Event()

        def run() -> None:
            try:
                with AlprClient(target) as client:
                    for item, response in client.process_images(images):
                        assert not response.HasField("error"), response.error.message
                        answered.append(item.name)
                        first.set()
            except BaseException as exc:  # reported below
                errors.append(exc)
                first.set()

        worker = threading.Thread(target=run)
        worker.start()
        assert first.wait(120)
        proc.send_signal(signal.SIGTERM)
        worker.join(120)
        assert not errors, errors
        assert answered == [f"{i}.jpg" for i in range(6)]
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
