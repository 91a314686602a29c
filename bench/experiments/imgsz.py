"""(c) Detector input size, and plate detection on vehicle crops instead of the whole image."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.data import Sample
from bench.experiments.variants import VEHICLE_CLASSES, detector, input_is_fixed
from bench.recall import matched, offset_box, suppress_duplicates
from bench.stats import Json, summarize
from server.detection.onnx_detector import OnnxDetector
from server.domain import Box, Image


@dataclass(frozen=True)
class PlateVariant:
    """Where the plate detector looks and at what input size."""

    label: str
    imgsz: int
    rect: bool = False  # letterbox to a stride multiple, not a square (dynamic models only)
    on_vehicle_crops: bool = False


PLATE_VARIANTS = (
    PlateVariant("whole image 640x640 (current)", 640),
    PlateVariant("whole image 640 rect", 640, rect=True),
    PlateVariant("whole image 480x480", 480),
    PlateVariant("whole image 416x416", 416),
    PlateVariant("whole image 320x320", 320),
    PlateVariant("vehicle crops 640x640", 640, on_vehicle_crops=True),
    PlateVariant("vehicle crops 320x320", 320, on_vehicle_crops=True),
    PlateVariant("vehicle crops 320 rect", 320, rect=True, on_vehicle_crops=True),
)


def _plates_on_crops(plate: OnnxDetector, image: Image, vehicles: list[Box], padding: int, conf: float,
                     iou: float) -> list[Box]:
    h, w = image.shape[:2]
    found: list[tuple[Box, float]] = []
    for vehicle in vehicles:
        b = vehicle.padded(padding, w, h)
        crop = image[b.y1:b.y2, b.x1:b.x2]
        if crop.size == 0:
            continue
        found.extend((offset_box(d.box, b.x1, b.y1), d.confidence) for d in plate.detect(crop, conf, iou))
    return [box for box, _ in suppress_duplicates(found)]


def input_sizes(sets: dict[str, list[Sample]], vehicle_model: Path, plate_model: Path, *, intra_op_threads: int,
                conf: float, iou: float, padding: int) -> Json:
    """Plate recall (IoU>=0.5) and plate-stage time per variant and data set; variants interleaved per image."""
    vehicle_fixed, vehicle_shape = input_is_fixed(vehicle_model)
    plate_fixed, plate_shape = input_is_fixed(plate_model)
    vehicle = detector(vehicle_model, intra_op_threads=intra_op_threads, class_filter=VEHICLE_CLASSES)
    plates = {v.label: detector(plate_model, intra_op_threads=intra_op_threads, imgsz=v.imgsz, rect=v.rect)
              for v in PLATE_VARIANTS}
    out: Json = {
        "vehicle_model_input": [str(d) for d in vehicle_shape],
        "vehicle_input_fixed": vehicle_fixed,
        "vehicle_note": ("vehicle_detector.onnx has a fixed 1x3x640x640 input (anchors baked in at export): "
                         "480/416/320 need a re-export from a .pt, which is not available offline; the plate "
                         "model (same YOLOv8n body, dynamic input) shows the cost curve"
                         if vehicle_fixed else "vehicle model has a dynamic input"),
        "plate_model_input": [str(d) for d in plate_shape],
        "plate_input_fixed": plate_fixed,
        "sets": {},
    }
    for set_name, samples in sets.items():
        times: dict[str, list[float]] = {v.label: [] for v in PLATE_VARIANTS}
        hits = dict.fromkeys(times, 0)
        vehicle_ms: list[float] = []
        labelled = 0
        for sample in samples:
            image = sample.decode()
            labelled += len(sample.plates)
            start = time.perf_counter()
            vehicles = [d.box for d in vehicle.detect(image, conf, iou)]
            vehicle_ms.append((time.perf_counter() - start) * 1e3)
            for variant in PLATE_VARIANTS:
                det = plates[variant.label]
                start = time.perf_counter()
                if variant.on_vehicle_crops:
                    boxes = _plates_on_crops(det, image, vehicles, padding, conf, iou)
                else:
                    boxes = [d.box for d in det.detect(image, conf, iou)]
                times[variant.label].append((time.perf_counter() - start) * 1e3)
                hits[variant.label] += sum(1 for m in matched(sample.plates, boxes) if m is not None)
        out["sets"][set_name] = {
            "images": len(samples),
            "labelled_plates": labelled,
            "vehicle_detection_640_ms": summarize(vehicle_ms),
            "variants": {label: {"plate_stage_ms": summarize(times[label]),
                                 "plate_recall_iou50": round(hits[label] / labelled, 3) if labelled else None}
                         for label in times},
        }
    return out
