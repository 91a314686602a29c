"""The committed unified detector: metadata (classes, provenance), runs at 640x384, and its vehicles are the
COCO detector's own (the vehicle half of the network is the COCO YOLOv8n unchanged)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from server.config import RuntimeSettings
from server.detection.onnx_detector import OnnxDetector
from server.models import metadata as meta
from server.models.manifest import VEHICLE_DETECTOR
from tests.conftest import data_set, labels

REPO = Path(__file__).resolve().parents[3]
UNIFIED = REPO / "models" / "unified_detector.onnx"
CLASSES = {0: "car", 1: "motorcycle", 2: "bus", 3: "truck", 4: "License_Plate"}


@pytest.fixture(scope="module")
def props() -> dict[str, str]:
    pytest.importorskip("onnx", reason="reading metadata_props needs the onnx package")
    if not UNIFIED.is_file():
        pytest.fail(f"{UNIFIED} is committed: it should be there")
    return meta.read_metadata(UNIFIED)


def test_metadata_names_the_five_classes_and_the_input(props: dict[str, str]) -> None:
    assert set(meta.REQUIRED_KEYS) <= set(props)
    assert meta.parse_names(props[meta.NAMES]) == CLASSES
    assert meta.parse_imgsz(props[meta.IMGSZ]) == (640, 640)
    assert props[meta.STRIDE] == "32" and props[meta.TASK] == "detect"
    assert props["plate_class"] == "License_Plate"
    assert json.loads(props["vehicle_classes"]) == ["car", "motorcycle", "bus", "truck"]


def test_metadata_records_provenance(props: dict[str, str]) -> None:
    assert props["base_weights_sha256"] == VEHICLE_DETECTOR.default.sha256
    assert len(props["training_list_sha256"]) == 64
    teachers = json.loads(props["teachers"])
    assert set(teachers) == {"plates"} and all(len(v) == 64 for v in teachers.values())
    settings = json.loads(props["training_settings"])
    assert settings["epochs_trained"] >= 1 and settings["seed"] == 0 and settings["freeze"] == 22
    assert set(settings["sets"]) == {"indonesia-exchioz-train", "indonesia-platetrack-train", "romania-dashcam-train"}
    assert "AGPL-3.0" in props["license"]


def test_its_vehicles_are_the_coco_detectors_own() -> None:
    coco_path = REPO / "models" / "vehicle_detector.onnx"
    if not coco_path.is_file():
        pytest.skip(f"{coco_path} is not prepared (python -m server.models.prepare)")
    runtime = RuntimeSettings(intra_op_threads=1, execution_providers=("cpu",))
    vehicles = ("car", "motorcycle", "bus", "truck")
    unified = OnnxDetector(UNIFIED, runtime=runtime, class_filter=vehicles)
    coco = OnnxDetector(coco_path, runtime=runtime, class_filter=vehicles)
    root = data_set("openalpr-br")
    compared = 0
    for record in labels("openalpr-br")[:6]:
        image = np.asarray(cv2.imread(str(root / record["image"]), cv2.IMREAD_COLOR), dtype=np.uint8)
        ours, theirs = unified.detect(image, 0.25, 0.45), coco.detect(image, 0.25, 0.45)
        # The weights are stored as fp16 in the unified file: scores move by a few thousandths, so a sure
        # detection (>= 0.5) of either model has its twin, same class, same box, in the other.
        for sure, others in ((theirs, ours), (ours, theirs)):
            for d in (d for d in sure if d.confidence >= 0.5):
                assert any(o.class_name == d.class_name and o.box.iou(d.box) > 0.95 and
                           abs(o.confidence - d.confidence) < 0.03 for o in others), d
        compared += sum(d.confidence >= 0.5 for d in theirs)
    assert compared >= 6


def test_loads_and_runs_on_a_stride_sized_input() -> None:
    detector = OnnxDetector(UNIFIED, runtime=RuntimeSettings(intra_op_threads=1, execution_providers=("cpu",)),
                            class_filter=tuple(CLASSES.values()), auto_pad=True)
    assert detector.info.classes == CLASSES
    assert detector.info.dynamic_batch
    image = np.full((720, 1280, 3), 114, np.uint8)
    found, timing = detector.detect_timed(image, 0.25, 0.45)
    assert found == []  # a grey frame holds nothing
    assert timing.images == 1
