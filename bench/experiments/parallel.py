"""(d) Vehicle and plate detection run concurrently in two threads vs one after the other."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.data import Sample
from bench.experiments.variants import VEHICLE_CLASSES, detector
from bench.stats import Json, summarize
from server.detection.onnx_detector import OnnxDetector
from server.domain import Image


def _sequential(vehicle: OnnxDetector, plate: OnnxDetector, image: Image, conf: float, iou: float) -> float:
    start = time.perf_counter()
    vehicle.detect(image, conf, iou)
    plate.detect(image, conf, iou)
    return (time.perf_counter() - start) * 1e3


def _concurrent(pool: ThreadPoolExecutor, vehicle: OnnxDetector, plate: OnnxDetector, image: Image, conf: float,
                iou: float) -> float:
    start = time.perf_counter()
    future = pool.submit(vehicle.detect, image, conf, iou)
    plate.detect(image, conf, iou)
    future.result()
    return (time.perf_counter() - start) * 1e3


def parallel_detection(samples: list[Sample], vehicle_model: Path, plate_model: Path, *, repeats: int,
                       conf: float, iou: float, thread_settings: tuple[int, ...] = (1, 0)) -> Json:
    """Wall time of both detections per image: sequential vs two threads, per intra-op setting (interleaved)."""
    images = [s.decode() for s in samples]
    pairs = {
        t: (detector(vehicle_model, intra_op_threads=t, class_filter=VEHICLE_CLASSES),
            detector(plate_model, intra_op_threads=t))
        for t in thread_settings
    }
    times: dict[str, list[float]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-vehicle") as pool:
        for _ in range(repeats):
            for image in images:
                for t, (vehicle, plate) in pairs.items():
                    times.setdefault(f"intra={t} sequential", []).append(_sequential(vehicle, plate, image, conf, iou))
                    times.setdefault(f"intra={t} two threads", []).append(
                        _concurrent(pool, vehicle, plate, image, conf, iou))
    return {"images": [s.name for s in samples], "repeats": repeats,
            "variants": {label: summarize(values) for label, values in times.items()}}
