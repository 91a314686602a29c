"""The pipeline's pure analysis pieces as a video session calls them (no file writes)."""

from __future__ import annotations

from typing import Any

from server.domain import Box, Detection, Image, PlateReading
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import SceneAnalysis

# Vehicle boxes are grown by this share of their size before their plates are searched.
_REGION_MARGIN = 0.05


def _shift(d: Detection, dx: int, dy: int) -> Detection:
    b = d.box
    return Detection(Box(b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy), d.confidence, d.class_id, "plate")


class PipelineAnalyzer:
    """FrameAnalyzer over the image pipeline's detectors and readers."""

    def __init__(self, pipeline: AlprPipeline, *, region_size: int = 320) -> None:
        self._pipeline = pipeline
        self._region_size = region_size
        det = pipeline.settings.detection
        self._conf, self._iou = det.plate_confidence_threshold, det.iou_threshold

    def vehicles(self, image: Image) -> list[Detection]:
        """Vehicles in the frame."""
        return self._pipeline._vehicles(image)

    def analyze(self, image: Image) -> SceneAnalysis:
        """The pipeline's pure analysis step (vehicles, plates, readings, pairs; no file written)."""
        return self._pipeline.analyze(image)

    def plates_in(self, image: Image, regions: list[Box]) -> list[list[Detection]]:
        """Plates in each region's crop, letterboxed to `region_size` (one batched call where the model allows)."""
        detector: Any = self._pipeline.plate_detector
        if detector is None or not regions:
            return [[] for _ in regions]
        h, w = image.shape[:2]
        boxes = [r.padded(round(_REGION_MARGIN * max(r.width, r.height)), w, h) for r in regions]
        boxes = [b if b.width > 0 and b.height > 0 else Box(0, 0, w, h) for b in boxes]
        crops = [image[b.y1:b.y2, b.x1:b.x2] for b in boxes]
        if hasattr(detector, "detect_batch"):
            found = detector.detect_batch(crops, self._conf, self._iou, size=self._region_size)
        else:  # any DetectorLike: one call per crop at its own input size
            found = [detector.detect(c, self._conf, self._iou) for c in crops]
        return [[_shift(d, b.x1, b.y1) for d in dets] for b, dets in zip(boxes, found, strict=True)]

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        """The plates' readings (one OCR call for all of them)."""
        return self._pipeline._read_plates(image, plates)
