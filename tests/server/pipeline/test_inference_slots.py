"""runtime.inference_slots: at most that many images are in detection at once (the thread plans set it)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from server.config import DEFAULT_CONFIG, load_settings
from server.domain import Box, Detection, Image
from server.pipeline.dataplane import AlprPipeline
from server.storage.artefacts import ArtefactStore, OutputDirs
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


def _pipeline(tmp_path: Path, slots: int, detector: _CountingDetector) -> AlprPipeline:
    settings = load_settings(DEFAULT_CONFIG, environ={
        "GALAXY_ALPR__BASE_DIR": str(tmp_path), "GALAXY_ALPR__RUNTIME__CONCURRENT_DETECTORS": "false",
        "GALAXY_ALPR__RUNTIME__INFERENCE_SLOTS": str(slots)}, dotenv=tmp_path / "no.env")
    store = ArtefactStore(OutputDirs.from_settings(settings.output, tmp_path), save_images=False)
    return AlprPipeline(settings, vehicle_detector=detector, plate_detector=_CountingDetector(), ocr=_Reader(),
                        store=store, now=lambda: datetime(2026, 12, 1, 12, 0))


@pytest.mark.parametrize("slots", [1, 2])
def test_no_more_images_in_detection_than_slots(tmp_path: Path, slots: int) -> None:
    detector = _CountingDetector()
    pipeline = _pipeline(tmp_path, slots, detector)
    image = np.full((240, 320, 3), 100, np.uint8)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: pipeline.analyze(image), range(12)))
    pipeline.close()
    assert len(results) == 12 and all(r.vehicles for r in results)
    assert detector.most == slots


def test_zero_slots_is_no_limit(tmp_path: Path) -> None:
    detector = _CountingDetector()
    pipeline = _pipeline(tmp_path, 0, detector)
    image = np.full((240, 320, 3), 100, np.uint8)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: pipeline.analyze(image), range(8)))
    pipeline.close()
    assert detector.most > 1
