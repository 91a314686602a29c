"""Where the time of one image goes: cProfile of AlprPipeline.process plus the detectors' own split."""

from __future__ import annotations

import cProfile
import pstats
from typing import Any

from bench.data import Sample
from bench.stages import STAGES
from bench.stats import Json, summarize
from server.bootstrap import Service
from server.detection.onnx_detector import OnnxDetector
from server.pipeline.results import ImageRequest

# Functions worth a row of their own: (label, file fragment, function name).
FOCUS = (
    ("onnxruntime InferenceSession.run (all models)", "onnxruntime_inference_collection.py", "run"),
    ("decode_image", "imaging/decode.py", "decode_image"),
    ("OnnxDetector.detect_batch_timed", "detection/onnx_detector.py", "detect_batch_timed"),
    ("letterbox", "detection/letterbox.py", "letterbox"),
    ("to_input_tensor", "detection/letterbox.py", "to_input_tensor"),
    ("OnnxDetector._decode (NMS, scaling)", "detection/onnx_detector.py", "_decode"),
    ("search_vehicles (second plate search in vehicle crops)", "pipeline/plate_search.py", "search_vehicles"),
    ("LocalOcrProvider.read", "ocr/local.py", "read"),
    ("TextDetector.detect (PP-OCR det + DB post)", "ocr/ppocr_det.py", "detect"),
    ("TextDetector.probability_map", "ocr/ppocr_det.py", "probability_map"),
    ("TextRecognizer.recognize (PP-OCR rec + CTC)", "ocr/ppocr_rec.py", "recognize"),
    ("TextRecognizer.run (rec session + class-folding matmul)", "ocr/ppocr_rec.py", "run"),
    ("TextRecognizer._prepare", "ocr/ppocr_rec.py", "_prepare"),
    ("recognize (rules, regions, colours)", "plates/recognize.py", "recognize"),
    ("draw_boxes", "pipeline/annotate.py", "draw_boxes"),
    ("ArtefactStore.save_image (JPEG encode + write)", "storage/artefacts.py", "save_image"),
    ("ArtefactStore.save_upload", "storage/artefacts.py", "save_upload"),
    ("ArtefactStore.save_results", "storage/artefacts.py", "save_results"),
    ("cv2.imwrite", "~", "<built-in method cv2.imwrite>"),
    ("cv2.imdecode", "~", "<built-in method cv2.imdecode>"),
    ("cv2.resize", "~", "<built-in method cv2.resize>"),
)


def _rows(stats: pstats.Stats) -> dict[tuple[str, int, str], tuple[int, int, float, float]]:
    raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    return {key: (cc, nc, tt, ct) for key, (cc, nc, tt, ct, _callers) in raw.items()}


def _label(key: tuple[str, int, str]) -> str:
    file, line, func = key
    short = "/".join(file.split("/")[-2:]) if file != "~" else ""
    return f"{short}:{line}({func})" if short else func


def profile_pipeline(service: Service, sample: Sample, iters: int, top: int = 20) -> Json:
    """cProfile over `iters` process() calls on one image, per-image ms (the profiler inflates Python-heavy code)."""
    pipeline = service.pipeline
    request = ImageRequest(sample.content, sample.name)
    pipeline.process(request)
    profiler = cProfile.Profile()
    times = []
    profiler.enable()
    for _ in range(iters):
        times.append(pipeline.process(request).times)
    profiler.disable()
    rows = _rows(pstats.Stats(profiler))
    focus: list[Json] = []
    for label, fragment, func in FOCUS:
        matches = [v for k, v in rows.items() if k[2] == func and (fragment == "~" or fragment in k[0])]
        if matches:
            focus.append({"what": label, "calls_per_image": round(sum(m[1] for m in matches) / iters, 1),
                          "cum_ms_per_image": round(sum(m[3] for m in matches) * 1e3 / iters, 1)})
    by_self = sorted(rows.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    return {
        "image": f"{sample.data_set}/{sample.name}",
        "iterations": iters,
        "stage_ms_under_profiler": {name: summarize([getattr(t, attr) for t in times])["p50"]
                                    for name, attr in STAGES.items()},
        "focus": focus,
        "top_self_time": [{"function": _label(k), "calls_per_image": round(v[1] / iters, 1),
                           "self_ms_per_image": round(v[2] * 1e3 / iters, 1),
                           "cum_ms_per_image": round(v[3] * 1e3 / iters, 1)} for k, v in by_self],
        "detector_split": detector_split(service, sample, max(3, iters)),
    }


def detector_split(service: Service, sample: Sample, iters: int) -> Json:
    """Pre-processing / inference / post-processing p50 of each detector on the image (no profiler)."""
    image = sample.decode()
    det = service.settings.detection
    out: Json = {}
    for name, detector in (("vehicle", service.analyzer.vehicle_detector),
                           ("plate", service.analyzer.plate_detector)):
        if not isinstance(detector, OnnxDetector):
            continue
        timings = [detector.detect_timed(image, det.plate_confidence_threshold, det.iou_threshold)[1]
                   for _ in range(iters)]
        out[name] = {
            "input": list(detector.info.imgsz),
            "preprocess_ms": summarize([t.preprocess_ms for t in timings])["p50"],
            "inference_ms": summarize([t.inference_ms for t in timings])["p50"],
            "postprocess_ms": summarize([t.postprocess_ms for t in timings])["p50"],
        }
    return out
