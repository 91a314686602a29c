"""(c2) The second plate search inside vehicles without a plate: its cost and recall, per setting,
and with the crops run at a smaller input (the search reuses the 640 plate detector today)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from bench.config import PLATE_MODEL
from bench.data import Sample
from bench.experiments.variants import detector
from bench.recall import matched
from bench.stats import Json, summarize
from server.bootstrap import Service
from server.domain import Detection, Image
from server.pipeline.ports import DetectorLike, ModelInfoLike
from server.pipeline.scene import SceneAnalyzer


class CropRouting:
    """A DetectorLike sending the first detect() of each plates() call (the whole image) to one detector
    and the rest (the vehicle crops of the second search) to another."""

    def __init__(self, whole: DetectorLike, crops: DetectorLike) -> None:
        self._whole = whole
        self._crops = crops
        self.local = threading.local()

    @property
    def info(self) -> ModelInfoLike:
        """The whole-image detector's info."""
        return self._whole.info

    def detect(self, image: Image, conf: float, iou: float) -> list[Detection]:
        """Whole image first, crops after."""
        first = getattr(self.local, "first", False)
        self.local.first = False
        return (self._whole if first else self._crops).detect(image, conf, iou)

    def detect_batch(self, images: Sequence[Image], conf: float, iou: float, *,
                     size: int | None = None) -> list[list[Detection]]:
        """The crop detector's batch (only crops come in batches)."""
        return self._crops.detect_batch(images, conf, iou, size=size)


class RoutedAnalyzer(SceneAnalyzer):
    """SceneAnalyzer whose second search runs on a different (smaller-input) detector."""

    def __init__(self, *args: Any, router: CropRouting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plate_detector = router
        self._router = router

    def plates(self, image: Image, vehicles: list[Detection] | None = None) -> list[Detection]:
        self._router.local.first = True
        return super().plates(image, vehicles)


def _analyzer(service: Service, searches: int, crop_detector: DetectorLike | None) -> SceneAnalyzer:
    settings = service.settings
    settings = settings.model_copy(update={"detection": settings.detection.model_copy(
        update={"plate_search_max_vehicles": searches})})
    p = service.analyzer
    if crop_detector is None or p.plate_detector is None:
        return SceneAnalyzer(settings, vehicle_detector=p.vehicle_detector, plate_detector=p.plate_detector, ocr=None)
    return RoutedAnalyzer(settings, vehicle_detector=p.vehicle_detector, plate_detector=p.plate_detector, ocr=None,
                          router=CropRouting(p.plate_detector, crop_detector))


def second_search(service: Service, sets: dict[str, list[Sample]], crop_imgsz: int = 320) -> Json:
    """Plate-stage time and plate recall (IoU>=0.5) with the search off / 1 vehicle / as configured / at 320."""
    configured = service.settings.detection.plate_searches
    intra = service.settings.runtime.intra_op_threads
    small = detector(PLATE_MODEL, intra_op_threads=intra, imgsz=crop_imgsz)
    variants = {
        "no second search": _analyzer(service, 0, None),
        "search 1 vehicle": _analyzer(service, 1, None),
        f"search {configured} vehicles (config)": _analyzer(service, configured, None),
        f"search {configured} vehicles, crops at {crop_imgsz}": _analyzer(service, configured, small),
    }
    out: Json = {"configured_max_vehicles": configured, "sets": {}}
    for set_name, samples in sets.items():
        times: dict[str, list[float]] = {k: [] for k in variants}
        hits = dict.fromkeys(variants, 0)
        labelled = 0
        for sample in samples:
            image = sample.decode()
            labelled += len(sample.plates)
            vehicles = variants["no second search"].vehicles(image)
            for label, pipeline in variants.items():
                start = time.perf_counter()
                plates = pipeline.plates(image, vehicles)
                times[label].append((time.perf_counter() - start) * 1e3)
                hits[label] += sum(1 for m in matched(sample.plates, [p.box for p in plates]) if m is not None)
        out["sets"][set_name] = {
            "images": len(samples), "labelled_plates": labelled,
            "variants": {k: {"plate_stage_ms": summarize(times[k]),
                             "plate_recall_iou50": round(hits[k] / labelled, 3) if labelled else None}
                         for k in variants}}
    return out
