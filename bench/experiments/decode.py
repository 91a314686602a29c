"""(b) Reduced JPEG decoding (cv2.IMREAD_REDUCED_COLOR_2) for photos at least twice the detector input."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import cv2
import numpy as np

from bench.data import Sample
from bench.recall import matched, scale_box
from bench.stats import Json, summarize
from server.detection.onnx_detector import OnnxDetector
from server.domain import Detection, Image
from server.ocr.base import OcrProvider
from server.pipeline.scene import plate_crop
from server.plates.metrics import is_exact
from server.plates.recognize import recognize

DETECTOR_INPUT = 640
DECODE_REPEATS = 3


def qualifies(sample: Sample) -> bool:
    """Long side at least twice the detector input (so a half-size decode still fills it)."""
    return bool(max(sample.decode().shape[:2]) >= 2 * DETECTOR_INPUT)


def _decode(content: bytes, flag: int) -> Image:
    return np.asarray(cv2.imdecode(np.frombuffer(content, np.uint8), flag), dtype=np.uint8)


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def reduced_decode(samples: list[Sample], vehicle: OnnxDetector, plate: OnnxDetector, ocr: OcrProvider,
                   conf: float, iou: float) -> Json:
    """Decode cost, detection cost, plate recall (IoU>=0.5) and exact reads: full vs half-size decode."""
    chosen = [s for s in samples if qualifies(s)]
    variants = {"full": (cv2.IMREAD_COLOR, 1.0), "reduced_2": (cv2.IMREAD_REDUCED_COLOR_2, 2.0)}
    decode_ms: dict[str, list[float]] = {k: [] for k in variants}
    detect_ms: dict[str, list[float]] = {k: [] for k in variants}
    ocr_ms: dict[str, list[float]] = {k: [] for k in variants}
    encode_ms: dict[str, list[float]] = {k: [] for k in variants}
    hits = dict.fromkeys(variants, 0)
    exact = dict.fromkeys(variants, 0)
    labelled = 0
    for sample in chosen:
        labelled += len(sample.plates)
        for name, (flag, factor) in variants.items():
            decode_ms[name].extend(_ms(partial(_decode, sample.content, flag)) for _ in range(DECODE_REPEATS))
            image = _decode(sample.content, flag)
            start = time.perf_counter()
            vehicle.detect(image, conf, iou)
            plates = plate.detect(image, conf, iou)
            detect_ms[name].append((time.perf_counter() - start) * 1e3)
            encode_ms[name].append(_ms(partial(cv2.imencode, ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])))
            boxes = [scale_box(p.box, factor) for p in plates]
            found = matched(sample.plates, boxes)
            hits[name] += sum(1 for m in found if m is not None)
            exact[name] += _exact_reads(image, plates, found, sample, ocr, ocr_ms[name])
    return {
        "images": len(chosen),
        "of_images": len(samples),
        "labelled_plates": labelled,
        "variants": {
            name: {
                "decode_ms": summarize(decode_ms[name]),
                "vehicle_plus_plate_detection_ms": summarize(detect_ms[name]),
                "ocr_ms": summarize(ocr_ms[name]),
                "annotated_jpeg_encode_ms": summarize(encode_ms[name]),
                "plate_recall_iou50": round(hits[name] / labelled, 3) if labelled else None,
                "exact_reads": exact[name],
                "exact_read_rate": round(exact[name] / labelled, 3) if labelled else None,
            }
            for name in variants
        },
    }


def _exact_reads(image: Image, plates: list[Detection], found: list[int | None], sample: Sample,
                 ocr: OcrProvider, times: list[float]) -> int:
    """OCR the matched plates' crops from this decode; count readings equal to the label."""
    pairs = [(plates[m], text) for m, text in zip(found, sample.texts, strict=True) if m is not None]
    if not pairs:
        return 0
    crops = [plate_crop(image, det) for det, _ in pairs]
    start = time.perf_counter()
    reads = ocr.read(crops)
    readings = [recognize(c, r) for c, r in zip(crops, reads, strict=True)]
    times.append((time.perf_counter() - start) * 1e3)
    return sum(1 for r, (_, text) in zip(readings, pairs, strict=True) if is_exact(r.plate_number or "", text))

