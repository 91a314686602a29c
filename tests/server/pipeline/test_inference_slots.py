"""runtime.inference_slots: at most that many images are in detection at once (the thread plans set it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from server.config import DEFAULT_CONFIG, load_settings
from server.domain import Box, Detection, Image
from server.pipeline.scene import SceneAnalyzer
from tests.server.pipeline.test_concurrent_detection import _Info, _Reader


class _CountingDetector:
    """Records the most detect calls running at the same time."""

    def __init__(self) -> None:
        self.info = _Info()
        self._lock = threading.Lock()
        self._running = 0
        self.most = 0

    def detect(self, image: Image, conf: float, iou: float) -> list[Detection]:
        with self._lock:
            self._running += 1
            self.most = max(self.most, self._running)
        time.sleep(0.05)
        with self._lock:
            self._running -= 1
        return [Detection(Box(0, 0, 50, 50), 0.9, 2, "car")]

    def detect_batch(self, images: Sequence[Image], conf: float, iou: float, *,
                     size: int | None = None) -> list[list[Detection]]:
        return [self.detect(image, conf, iou) for image in images]


def _analyzer(tmp_path: Path, slots: int, detector: _CountingDetector) -> SceneAnalyzer:
    settings = load_settings(DEFAULT_CONFIG, environ={
        "GALAXY_ALPR__BASE_DIR": str(tmp_path), "GALAXY_ALPR__RUNTIME__CONCURRENT_DETECTORS": "false",
        "GALAXY_ALPR__RUNTIME__INFERENCE_SLOTS": str(slots)}, dotenv=tmp_path / "no.env")
    return SceneAnalyzer(settings, vehicle_detector=detector, plate_detector=_CountingDetector(), ocr=_Reader())


@pytest.mark.parametrize("slots", [1, 2])
def test_no_more_images_in_detection_than_slots(tmp_path: Path, slots: int) -> None:
    detector = _CountingDetector()
    analyzer = _analyzer(tmp_path, slots, detector)
    image = np.full((240, 320, 3), 100, np.uint8)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: analyzer.analyze(image), range(12)))
    analyzer.close()
    assert len(results) == 12 and all(r.vehicles for r in results)
    assert detector.most == slots


def test_zero_slots_is_no_limit(tmp_path: Path) -> None:
    detector = _CountingDetector()
    analyzer = _analyzer(tmp_path, 0, detector)
    image = np.full((240, 320, 3), 100, np.uint8)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: analyzer.analyze(image), range(8)))
    analyzer.close()
    assert detector.most > 1
