"""Every documented endpoint through the bridge and a real gRPC server."""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from tests.conftest import data_set, labels

API = "/galaxy-alpr/v1"


def us_photo() -> tuple[str, bytes]:
    record = labels("openalpr-us")[0]
    return record["image"], (data_set("openalpr-us") / record["image"]).read_bytes()


def assert_envelope(body: dict[str, Any]) -> None:
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert body["error_type"] == "HTTPException"
    assert isinstance(body["timestamp"], str)


def assert_success(body: dict[str, Any]) -> None:
    assert body["success"] is True
    assert isinstance(body["message"], str)
    assert isinstance(body["processing_time_ms"], int)
    assert isinstance(body["timestamp"], str)


def test_root_and_connection(client: TestClient) -> None:
    root = client.get(API).json()
    assert root["message"] == "Galaxy ALPR Core API" and root["version"] == "1.0.0"
    assert root["health"] == f"{API}/health" and root["pipeline_info"] == f"{API}/pipeline/info"
    conn = client.get(f"{API}/test/connection").json()
    assert conn["status"] == "connected" and conn["message"] == "Galaxy ALPR API is running"
    assert conn["backend"] == "connected"


def test_health_documented_shape(client: TestClient) -> None:
    body = client.get(f"{API}/health").json()
    assert body["status"] == "healthy"
    assert body["version"] == "1.0.0"
    assert isinstance(body["uptime"], str) and ":" in body["uptime"]
    assert body["models_loaded"]["vehicle_detector"] is True
    assert body["models_loaded"]["plate_detector"] is True
    assert isinstance(body["models_loaded"]["gemini_ocr"], bool)


def test_docs_and_redoc_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert f"{API}/alpr-core/process-single-image" in paths


def test_pipeline_info(client: TestClient) -> None:
    body = client.get(f"{API}/pipeline/info").json()
    assert body["success"] is True
    assert body["pipeline_info"]["pipeline_name"] == "ALPR Core Pipeline"


def test_config_has_seed_keys_and_no_secret(client: TestClient) -> None:
    body = client.get(f"{API}/config").json()
    c = body["configuration"]
    assert set(c) == {"models", "ocr", "detection", "output", "image_formats", "timezone"}
    assert c["detection"]["vehicle_confidence_threshold"] == 0.25
    assert c["output"]["results_dir"] == "images_processed/results"
    assert "key" not in str(c).lower()


def test_stats_and_test_models(client: TestClient) -> None:
    stats = client.get(f"{API}/stats").json()["statistics"]
    assert isinstance(stats["system"]["uptime_seconds"], float)
    assert set(stats["models"]) == {"vehicle_detector_loaded", "plate_detector_loaded", "gemini_api_configured"}
    assert stats["configuration"]["supported_formats"] == [".jpg", ".jpeg", ".png"]
    models = client.get(f"{API}/test/models").json()["models"]
    assert models["vehicle_detector"]["status"] == "loaded"
    assert set(models["vehicle_detector"]["classes"].values()) == {"car", "motorcycle", "bus", "truck"}
    assert all(k.endswith(".0") for k in models["vehicle_detector"]["classes"])
    assert set(models["gemini_ocr"]) >= {"status", "model_name", "api_key_configured"}


def test_detect_vehicle_documented_shape(client: TestClient) -> None:
    name, content = us_photo()
    r = client.post(f"{API}/vehicle/detect-vehicle", files={"file": (name, content, "image/jpeg")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert_success(body)
    d = body["data"]
    assert "car" in d["list_class_vehicle"]
    n = len(d["list_class_vehicle"])
    assert len(d["list_bounding_box_vehicle"]) == len(d["list_confidence_score_vehicle"]) == n
    assert len(d["list_cropped_vehicle_image_paths"]) == n
    assert all(isinstance(v, int) for box in d["list_bounding_box_vehicle"] for v in box)
    assert isinstance(d["vehicle_detection_processing_time"], float)


def test_detect_plate_finds_plate(client: TestClient) -> None:
    name, content = us_photo()
    body = client.post(f"{API}/plate/detect-plate", files={"file": (name, content, "image/jpeg")}).json()
    assert_success(body)
    assert body["data"]["list_class_plate"]
    assert isinstance(body["data"]["plate_detection_processing_time"], float)


def test_process_single_image_documented_shape_and_image_retrieval(client: TestClient) -> None:
    name, content = us_photo()
    r = client.post(f"{API}/alpr-core/process-single-image", files={"file": (name, content, "image/jpeg")},
                    data={"custom_timestamp": "2025-06-06_14-30-15"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert_success(body)
    data = body["data"]
    assert data["uploaded_image_path"].startswith("images_processed/uploaded_vehicle_images/2025-06-06_14-30-15")
    assert set(data["processing_time"]) >= {"vehicle_detection_ms", "plate_detection_ms", "plate_recognition_ms",
                                            "total_ms"}
    assert set(data["summary"]) == {"total_detections", "vehicles_with_plates", "vehicles_without_plates",
                                    "plates_without_vehicles"}
    paired = [d for d in data["detections"] if d["detection_type"] == "vehicle_with_plate"]
    assert paired
    det = paired[0]
    assert det["pairing_method"] == "containment" and 0 < det["pairing_confidence"] <= 1
    assert set(det["vehicle"]) >= {"vehicle_index", "vehicle_class", "vehicle_confidence_score",
                                   "vehicle_bounding_box", "vehicle_image_path"}
    plate = det["plate"]
    for key in ("plate_index", "plate_class", "plate_confidence_score", "plate_bounding_box", "plate_image_path",
                "plate_number", "plate_date", "plate_text_color", "plate_background_color", "plate_icon",
                "plate_icon_color", "plate_blue_strip", "plate_type", "confidence_score", "plate_region_code",
                "plate_region_name"):
        assert key in plate, key
    assert plate["plate_blue_strip"] in ("yes", "no")
    image = client.get(f"{API}/images/{plate['plate_image_path'].split('/', 1)[1]}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_COLOR) is not None


def test_batch_reports_bad_image_in_its_own_result(client: TestClient) -> None:
    name, content = us_photo()
    files = [("files", (name, content, "image/jpeg")), ("files", ("bad.jpg", b"garbage", "image/jpeg")),
             ("files", ("again.jpg", content, "image/jpeg"))]
    r = client.post(f"{API}/alpr-core/process-multiple-images", files=files,
                    data={"custom_timestamp": "batch 2025/06/06"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["total_images"] == 3
    results = data["results"]
    assert [x["batch_index"] for x in results] == [1, 2, 3]
    assert [x["original_filename"] for x in results] == [name, "bad.jpg", "again.jpg"]
    assert results[0]["success"] and results[2]["success"] and not results[1]["success"]
    assert "Unsupported file format" in results[1]["error"]
    assert results[0]["uploaded_image_path"] != results[2]["uploaded_image_path"]
    assert "batch_2025_06_06" in results[0]["uploaded_image_path"]
    assert data["batch_summary"]["total_detections"] == (
        results[0]["summary"]["total_detections"] + results[2]["summary"]["total_detections"])


def test_recognize_and_ocr_plate(client: TestClient) -> None:
    record = labels("indonesia-ilpr-platecrops")[0]
    crop = (data_set("indonesia-ilpr-platecrops") / record["image"]).read_bytes()
    rec = client.post(f"{API}/plate/recognize-plate", files={"file": (record["image"], crop, "image/jpeg")}).json()
    assert_success(rec)
    [reading] = rec["data"]["list_result_plate_recognized"]
    assert {"plate_number", "plate_region_code", "plate_region_name", "plate_type"} <= set(reading)
    assert isinstance(rec["data"]["plate_recognition_processing_time"], float)
    ocr = client.post(f"{API}/plate/ocr-plate", files={"file": (record["image"], crop, "image/jpeg")}).json()
    assert_success(ocr)
    [read] = ocr["data"]["list_result_plate_ocr"]
    assert "plate_region_code" not in read and "plate_number" in read


def png_bytes(w: int, h: int) -> bytes:
    ok, buf = cv2.imencode(".png", np.zeros((h, w, 3), np.uint8))
    assert ok
    return bytes(buf.tobytes())


@pytest.mark.parametrize(("files", "data", "status", "fragment"), [
    ({"file": ("a.gif", b"GIF89a" + b"\0" * 50, "image/gif")}, {}, 400, "Unsupported file format"),
    ({"file": ("a.jpg", b"%PDF-1.4 not really", "image/jpeg")}, {}, 400, "Unsupported file format"),
    ({"file": ("a.jpg", b"", "image/jpeg")}, {}, 400, "Empty file"),
    ({"file": ("a.png", png_bytes(40, 60), "image/png")}, {}, 400, "minimum resolution"),
    ({"file": ("a.png", png_bytes(300, 300)[:200], "image/png")}, {}, 400, "truncated"),
    ({"file": ("a.png", png_bytes(300, 300), "image/png")}, {"custom_timestamp": "06/06/2025"}, 400,
     "custom_timestamp"),
    (None, {}, 400, "file"),
])
def test_bad_input_gets_envelope(client: TestClient, files: Any, data: dict[str, str], status: int,
                                 fragment: str) -> None:
    r = client.post(f"{API}/alpr-core/process-single-image", files=files, data=data)
    assert r.status_code == status, r.text
    body = r.json()
    assert_envelope(body)
    assert fragment in body["error"]


def test_oversized_upload_is_413(client: TestClient) -> None:
    big = b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024)
    r = client.post(f"{API}/vehicle/detect-vehicle", files={"file": ("big.jpg", io.BytesIO(big), "image/jpeg")})
    assert r.status_code == 413
    assert_envelope(r.json())


def test_too_many_files_is_400(client: TestClient) -> None:
    files = [("files", (f"{i}.png", png_bytes(300, 300), "image/png")) for i in range(11)]
    r = client.post(f"{API}/alpr-core/process-multiple-images", files=files)
    assert r.status_code == 400
    assert "Too many files" in r.json()["error"]


@pytest.mark.parametrize(("path", "status"), [
    ("../../etc/passwd", 400), ("..%2F..%2Fetc%2Fpasswd", 400), ("%252e%252e/%252e%252e/etc/passwd", 400),
    ("uploaded_vehicle_images/nope.jpg", 404), ("results/../../../etc/passwd", 400),
])
def test_image_traversal_never_serves_outside(client: TestClient, path: str, status: int) -> None:
    r = client.get(f"{API}/images/{path}")
    assert r.status_code in (status, 404), r.text
    assert "root:" not in r.text
    assert_envelope(r.json())


def test_backend_down_is_503_envelope() -> None:
    app = create_app(BridgeSettings(grpc_target="127.0.0.1:1", deadline_s=2))
    with TestClient(app) as c:
        r = c.get(f"{API}/config")
        assert r.status_code == 503
        assert_envelope(r.json())
        assert c.get(f"{API}/health").status_code == 503
        assert c.get(f"{API}/test/connection").json()["backend"] == "unavailable"
