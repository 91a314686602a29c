"""The full pipeline's two detectors: concurrent by default, sequential when configured, errors kept."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from server.config import DEFAULT_CONFIG, load_settings
from server.domain import Box, Detection, Image, OcrRead
from server.errors import ModelUnavailableError
from server.ocr.base import ProviderStatus
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import ImageRequest
from server.pipeline.scene import SceneAnalyzer
from server.storage.artefacts import ArtefactStore, OutputDirs


@dataclass(frozen=True)
class _Info:
    path: Path = Path("fake.onnx")
    classes: dict[int, str] = field(default_factory=lambda: {0: "car"})
    source: str = "test"
    providers: Sequence[str] = ("CPUExecutionProvider",)


class _Detector:
    """Returns fixed boxes; waits at `barrier` (when given) so that a test can prove two ran at once."""

    def __init__(self, boxes: list[Detection], barrier: threading.Barrier | None = None,
                 error: Exception | None = None) -> None:
        self.boxes = boxes
        self.barrier = barrier
        self.error = error
        self.threads: list[str] = []
        self.info = _Info()

    def detect(self, image: Image, conf: float, iou: float) -> list[Detection]:
        self.threads.append(threading.current_thread().name)
        if self.barrier is not None:
            self.barrier.wait()
        if self.error is not None:
            raise self.error
        return list(self.boxes)

    def detect_batch(self, images: Sequence[Image], conf: float, iou: float, *,
                     size: int | None = None) -> list[list[Detection]]:
        return [self.detect(image, conf, iou) for image in images]


class _Reader:
    name = "local"

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        return [OcrRead(text="B1234XYZ", confidence=0.99, provider=self.name) for _ in crops]

    def status(self) -> ProviderStatus:
        return ProviderStatus(self.name, True, "loaded")


CAR = Detection(Box(40, 60, 300, 260), 0.9, 2, "car")
PLATE = Detection(Box(120, 200, 220, 230), 0.8, 0, "License_Plate")


def _request() -> ImageRequest:
    image = np.full((320, 400, 3), 128, np.uint8)
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    return ImageRequest(content=jpeg.tobytes(), file_name="scene.jpg")


def _pipeline(tmp_path: Path, vehicle: _Detector | None, plate: _Detector, *, concurrent: bool) -> AlprPipeline:
    settings = load_settings(DEFAULT_CONFIG, environ={
        "GALAXY_ALPR__BASE_DIR": str(tmp_path),
        "GALAXY_ALPR__RUNTIME__CONCURRENT_DETECTORS": str(concurrent).lower(),
    }, dotenv=tmp_path / "no.env")
    store = ArtefactStore(OutputDirs.from_settings(settings.output, tmp_path), save_images=False)
    analyzer = SceneAnalyzer(settings, vehicle_detector=vehicle, plate_detector=plate, ocr=_Reader())
    return AlprPipeline(settings, analyzer, store=store, now=lambda: datetime(2026, 11, 24, 12, 0))


def test_detectors_of_one_image_run_at_the_same_time(tmp_path: Path) -> None:
    # Each detector waits until the other has started: this only passes when they overlap.
    barrier = threading.Barrier(2, timeout=10)
    vehicle, plate = _Detector([CAR], barrier), _Detector([PLATE], barrier)
    pipeline = _pipeline(tmp_path, vehicle, plate, concurrent=True)
    try:
        out = pipeline.process(_request())
    finally:
        pipeline.close()
    assert vehicle.threads[0] != plate.threads[0]
    assert [d.detection_type for d in out.detections] == ["vehicle_with_plate"]
    pair = out.detections[0]
    assert pair.plate is not None and pair.plate.reading is not None
    assert pair.plate.reading.plate_number == "B 1234 XYZ"
    assert pair.plate.detection.class_name == "plate"
    assert out.times.vehicle_detection_ms > 0 and out.times.plate_detection_ms > 0


def test_sequential_when_configured_gives_the_same_result(tmp_path: Path) -> None:
    vehicle, plate = _Detector([CAR]), _Detector([PLATE])
    pipeline = _pipeline(tmp_path, vehicle, plate, concurrent=False)
    out = pipeline.process(_request())
    assert vehicle.threads == plate.threads == [threading.current_thread().name]
    assert [d.detection_type for d in out.detections] == ["vehicle_with_plate"]


@pytest.mark.parametrize("concurrent", [True, False])
def test_a_failing_vehicle_detector_fails_the_image_with_its_own_error(tmp_path: Path, concurrent: bool) -> None:
    vehicle = _Detector([], error=ModelUnavailableError("vehicle session lost"))
    plate = _Detector([PLATE])
    pipeline = _pipeline(tmp_path, vehicle, plate, concurrent=concurrent)
    try:
        with pytest.raises(ModelUnavailableError, match="vehicle session lost"):
            pipeline.process(_request())
    finally:
        pipeline.close()


def test_missing_vehicle_model_is_reported_not_hung(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, None, _Detector([PLATE]), concurrent=True)
    try:
        with pytest.raises(ModelUnavailableError, match="vehicle detector model not loaded"):
            pipeline.process(_request())
    finally:
        pipeline.close()
