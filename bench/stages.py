"""Per-stage latency of AlprPipeline.process over real photos (the pipeline's own StageTimes)."""

from __future__ import annotations

from bench.data import Sample
from bench.stats import Json, summarize
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import ImageRequest, StageTimes

STAGES = {
    "decode": "decode_ms",
    "vehicle_detection": "vehicle_detection_ms",
    "plate_detection": "plate_detection_ms",
    "ocr": "plate_recognition_ms",
    "pairing": "pairing_ms",
    "saving": "saving_ms",
    "total": "total_ms",
}


def stage_latencies(pipeline: AlprPipeline, samples: list[Sample]) -> Json:
    """p50/p95 of every stage over the samples, one call each after one warm-up call."""
    if not samples:
        return {"images": 0}
    pipeline.process(ImageRequest(samples[0].content, samples[0].name))
    times: list[StageTimes] = []
    vehicles = plates = 0
    sizes: dict[str, int] = {}
    for sample in samples:
        out = pipeline.process(ImageRequest(sample.content, sample.name))
        times.append(out.times)
        vehicles += sum(1 for d in out.detections if d.vehicle is not None)
        plates += sum(1 for d in out.detections if d.plate is not None)
        size = f"{out.width}x{out.height}"
        sizes[size] = sizes.get(size, 0) + 1
    return {
        "images": len(samples),
        "sizes": sizes,
        "vehicles_found": vehicles,
        "plates_found": plates,
        "stages_ms": {name: summarize([getattr(t, attr) for t in times]) for name, attr in STAGES.items()},
    }
