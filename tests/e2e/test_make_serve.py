"""End to end: the processes `make serve` starts, driven with the documented curl examples."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MODELS, REPO_ROOT, data_set, labels

pytestmark = pytest.mark.e2e
API = "/galaxy-alpr/v1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """scripts/serve.py (what `make serve` runs) with both ports free and outputs in a temp dir."""
    base = tmp_path_factory.mktemp("serve")
    grpc_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "GALAXY_ALPR__SERVER__PORT": str(grpc_port),
        "GALAXY_ALPR_BRIDGE__PORT": str(http_port),
        "GALAXY_ALPR_BRIDGE__HOST": "127.0.0.1",
        "GALAXY_ALPR__SERVER__HOST": "127.0.0.1",
        "GALAXY_ALPR__BASE_DIR": str(base),
        "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(MODELS / "vehicle_detector.onnx"),
        "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(MODELS / "unified_detector.onnx"),
        "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": str(MODELS / "confidence_calibration.json"),
        "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(MODELS / "plate_detector.onnx"),
        "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(MODELS / "plate_recognizer.onnx"),
        "GALAXY_ALPR__OCR__PROVIDER": "local",
    }
    env.pop("GEMINI_API_KEY", None)
    log = (base / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "scripts/serve.py"], cwd=REPO_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve.py exited early:\n{(base / 'serve.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}{API}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"service did not start:\n{(base / 'serve.log').read_text()[-3000:]}")
    yield url, proc, base
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    log.close()


def curl(*args: str) -> dict[str, Any]:
    out = subprocess.run(["curl", "-sS", *args], check=True, capture_output=True, timeout=120)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.fixture(scope="module")
def photo() -> Path:
    return data_set("openalpr-us") / str(labels("openalpr-us")[0]["image"])


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_documented_curl_examples(served: tuple[str, subprocess.Popen[bytes], Path], photo: Path) -> None:
    url = served[0] + API
    single = curl("-X", "POST", f"{url}/alpr-core/process-single-image", "-H", "Content-Type: multipart/form-data",
                  "-F", f"file=@{photo}", "-F", "custom_timestamp=2025-06-06_14-30-15")
    assert single["success"] is True and single["data"]["detections"]
    multi = curl("-X", "POST", f"{url}/alpr-core/process-multiple-images", "-H", "Content-Type: multipart/form-data",
                 "-F", f"files=@{photo}", "-F", f"files=@{photo}", "-F", "custom_timestamp=batch_2025-06-06")
    assert multi["data"]["total_images"] == 2 and len(multi["data"]["results"]) == 2
    vehicle = curl("-X", "POST", f"{url}/vehicle/detect-vehicle", "-H", "Content-Type: multipart/form-data",
                   "-F", f"file=@{photo}")
    assert "car" in vehicle["data"]["list_class_vehicle"]
    plate = curl("-X", "POST", f"{url}/plate/detect-plate", "-H", "Content-Type: multipart/form-data",
                 "-F", f"file=@{photo}")
    assert plate["data"]["list_bounding_box_plate"]
    crop = data_set("openalpr-us-platecrops") / labels("openalpr-us-platecrops")[0]["image"]
    ocr = curl("-X", "POST", f"{url}/plate/ocr-plate", "-H", "Content-Type: multipart/form-data",
               "-F", f"file=@{crop}")
    assert ocr["success"] is True
    for path in ("/health", "/stats", "/config"):
        body = curl("-X", "GET", f"{url}{path}")
        assert "timestamp" in body
    image_path = single["data"]["uploaded_image_path"].split("/", 1)[1]
    raw = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", f"{url}/images/{image_path}"],
                         check=True, capture_output=True, timeout=60)
    assert raw.stdout == b"200"


SEED_CLIENT_EXAMPLE = '''
import requests
import json
BASE_URL = "{base}"
def process_single_image(image_path):
    """Process a single image through ALPR pipeline"""
    url = f"{{BASE_URL}}/alpr-core/process-single-image"
    with open(image_path, 'rb') as f:
        files = {{'file': f}}
        response = requests.post(url, files=files)
    if response.status_code == 200:
        result = response.json()
        print(f"Success: {{result['success']}}")
        print(f"Processing time: {{result['processing_time_ms']}}ms")
        print(f"Detections: {{len(result['data']['detections'])}}")
        return result
    else:
        print(f"Error: {{response.status_code}}")
        print(response.json())
        return None
def check_health():
    """Check API health status"""
    url = f"{{BASE_URL}}/health"
    response = requests.get(url)
    if response.status_code == 200:
        health = response.json()
        print(f"Status: {{health['status']}}")
        print(f"Uptime: {{health['uptime']}}")
        print(f"Models loaded: {{health['models_loaded']}}")
        return health
    else:
        print(f"Health check failed: {{response.status_code}}")
        return None
if __name__ == "__main__":
    health_status = check_health()
    if health_status and health_status['status'] == 'healthy':
        result = process_single_image("{image}")
        if result:
            for detection in result['data']['detections']:
                if detection['detection_type'] == 'vehicle_with_plate':
                    vehicle = detection['vehicle']
                    plate = detection['plate']
                    print(f"Vehicle: {{vehicle['vehicle_class']}}")
                    print(f"Plate: {{plate['plate_number']}}")
                    print(f"Region: {{plate['plate_region_name']}}")
'''


def test_seed_python_client_example_runs(served: tuple[str, subprocess.Popen[bytes], Path], photo: Path,
                                         tmp_path: Path) -> None:
    pytest.importorskip("requests")
    script = tmp_path / "client_example.py"
    script.write_text(SEED_CLIENT_EXAMPLE.format(base=served[0] + API, image=photo))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    assert "Status: healthy" in out.stdout
    assert "Success: True" in out.stdout
    assert "Vehicle: car" in out.stdout


def test_ctrl_c_stops_both_processes(served: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    url, proc, _ = served
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}{API}/health", timeout=2)
