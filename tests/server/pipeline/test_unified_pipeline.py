"""The pipeline in unified mode (detection.mode: unified) through the real committed unified detector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from server.bootstrap import Service, build_service
from server.detection.unified import UnifiedDetector
from server.domain import Box
from server.pipeline.results import ImageRequest
from tests.conftest import MODELS, data_set, labels, make_settings

UNIFIED = MODELS / "unified_detector.onnx"


def _unified_service(base: Path, **env: str) -> Service:
    if not UNIFIED.is_file():
        pytest.fail(f"{UNIFIED} is missing: it is committed (make train-unified-detector rebuilds it)")
    return build_service(make_settings(base, GALAXY_ALPR__DETECTION__MODE="unified",
                                       GALAXY_ALPR__MODELS__UNIFIED_DETECTOR=str(UNIFIED), **env))


@pytest.fixture(scope="module")
def unified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service with the unified detector, stride-sized input (the default)."""
    svc = _unified_service(tmp_path_factory.mktemp("unified"))
    yield svc
    svc.close()


def _headline() -> tuple[bytes, Box]:
    record = next(r for r in labels("openalpr-us") if r["image"] == "us_0008.jpg")
    return (data_set("openalpr-us") / record["image"]).read_bytes(), Box(*record["plates"][0]["box"])


def test_one_pass_finds_the_car_and_its_plate_and_pairs_them(unified: Service) -> None:
    assert isinstance(unified.analyzer.unified_detector, UnifiedDetector)
    content, truth = _headline()
    out = unified.pipeline.process(ImageRequest(content, "us_0008.jpg"))
    paired = [d for d in out.detections if d.plate is not None and d.plate.detection.box.iou(truth) >= 0.5]
    assert paired, f"labelled plate {truth} not found: {out.detections}"
    best = paired[0]
    assert best.detection_type == "vehicle_with_plate"
    assert best.vehicle is not None and best.vehicle.detection.class_name == "car"
    assert best.plate is not None and best.plate.detection.class_name == "plate"
    # One pass: its time is the vehicle stage's; the plate stage holds no second search (default 0).
    assert out.times.vehicle_detection_ms > 0
    assert out.times.plate_detection_ms < out.times.vehicle_detection_ms


def test_unified_input_is_stride_sized_and_models_report_the_one_file(unified: Service) -> None:
    detector = unified.analyzer.unified_detector
    assert isinstance(detector, UnifiedDetector)
    assert detector.info.path == UNIFIED
    vehicles, plates = unified.system.model("vehicle_detector"), unified.system.model("plate_detector")
    assert vehicles.loaded and plates.loaded
    assert set(vehicles.classes.values()) == {"car", "motorcycle", "bus", "truck"}
    assert set(plates.classes.values()) == {"License_Plate"}
    assert unified.system.health().healthy


def test_single_stage_calls_keep_to_their_classes(unified: Service) -> None:
    content, truth = _headline()
    vehicles = unified.pipeline.detect_vehicles(ImageRequest(content, "us_0008.jpg"))
    plates = unified.pipeline.detect_plates(ImageRequest(content, "us_0008.jpg"))
    assert vehicles.detections and {d.class_name for d in vehicles.detections} <= {"car", "motorcycle", "bus", "truck"}
    assert any(d.box.iou(truth) >= 0.5 for d in plates.detections)
    assert {d.class_name for d in plates.detections} == {"plate"}


def test_rect_and_square_inputs_agree_on_the_plate(tmp_path: Path, unified: Service) -> None:
    square = _unified_service(tmp_path, GALAXY_ALPR__DETECTION__UNIFIED_INPUT="square")
    try:
        content, truth = _headline()
        image = np.asarray(cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_COLOR), dtype=np.uint8)
        for svc in (square, unified):
            det = svc.analyzer.unified_detector
            assert det is not None
            _, found = det.detect_both(image, vehicle_conf=0.25, plate_conf=0.25, iou=0.45)
            assert any(p.box.iou(truth) >= 0.5 for p in found)
    finally:
        square.close()


def test_a_missing_unified_model_leaves_both_detectors_unloaded(tmp_path: Path) -> None:
    svc = build_service(make_settings(tmp_path, GALAXY_ALPR__DETECTION__MODE="unified",
                                      GALAXY_ALPR__MODELS__UNIFIED_DETECTOR=str(tmp_path / "absent.onnx")))
    try:
        health = svc.system.health()
        assert not health.healthy
        assert not health.models_loaded["vehicle_detector"] and not health.models_loaded["plate_detector"]
        assert any("absent.onnx" in issue for issue in health.issues)
    finally:
        svc.close()
