"""The committed unified detector: its metadata (classes, provenance) and that it loads and runs at 640x384."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from server.config import RuntimeSettings
from server.detection.onnx_detector import OnnxDetector
from server.models import metadata as meta
from server.models.manifest import FASTANPR_PLATE_DETECTOR

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
    assert props["base_weights_sha256"] == FASTANPR_PLATE_DETECTOR.sha256
    assert len(props["training_list_sha256"]) == 64
    teachers = json.loads(props["teachers"])
    assert set(teachers) == {"vehicles", "plates"} and all(len(v) == 64 for v in teachers.values())
    settings = json.loads(props["training_settings"])
    assert settings["epochs_trained"] >= 1 and settings["seed"] == 0
    assert "AGPL-3.0" in props["license"]


def test_loads_and_runs_on_a_stride_sized_input() -> None:
    detector = OnnxDetector(UNIFIED, runtime=RuntimeSettings(intra_op_threads=1, execution_providers=("cpu",)),
                            class_filter=tuple(CLASSES.values()), auto_pad=True)
    assert detector.info.classes == CLASSES
    assert detector.info.dynamic_batch
    image = np.full((720, 1280, 3), 114, np.uint8)
    found, timing = detector.detect_timed(image, 0.25, 0.45)
    assert found == []  # a grey frame holds nothing
    assert timing.images == 1
