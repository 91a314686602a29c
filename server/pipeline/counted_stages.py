"""The per-image stages as the service runs them: every image counted in the /stats counters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import DetectionStageOutput, ImageRequest, PipelineOutput, ReadOutput
from server.pipeline.stats import Stats

T = TypeVar("T")


class CountedStages:
    """AlprPipeline's stages plus the counters: one request per image (and its error), what it held.

    The transports call these; the pure `AlprPipeline.analyze` (video frames) counts nothing.
    """

    def __init__(self, pipeline: AlprPipeline, stats: Stats) -> None:
        self.pipeline = pipeline
        self.stats = stats

    def call(self, method: str, stage: Callable[[ImageRequest], T], request: ImageRequest) -> T:
        """Run one image through a stage, counting it (and its failure) under `method`."""
        try:
            out = stage(request)
        except Exception:
            self.stats.record_call(method, error=True)
            raise
        self.stats.record_call(method, error=False)
        return out

    def process(self, request: ImageRequest) -> PipelineOutput:
        """The full pipeline; counts the image's vehicles, plates and read plates."""
        out = self.pipeline.process(request)
        self.stats.record_image(
            vehicles=sum(1 for d in out.detections if d.vehicle is not None),
            plates=sum(1 for d in out.detections if d.plate is not None),
            reads=sum(1 for d in out.detections
                      if d.plate is not None and d.plate.reading is not None and d.plate.reading.plate_number),
        )
        return out

    def detect_vehicles(self, request: ImageRequest) -> DetectionStageOutput:
        """Vehicle detection; counts the vehicles."""
        out = self.pipeline.detect_vehicles(request)
        self.stats.record_image(vehicles=len(out.detections))
        return out

    def detect_plates(self, request: ImageRequest) -> DetectionStageOutput:
        """Plate detection; counts the plates."""
        out = self.pipeline.detect_plates(request)
        self.stats.record_image(plates=len(out.detections))
        return out

    def ocr(self, request: ImageRequest) -> ReadOutput:
        """OCR of a plate image; counts the plates read."""
        return self._read(request, with_region=False)

    def recognize(self, request: ImageRequest) -> ReadOutput:
        """Recognition of a plate image; counts the plates read."""
        return self._read(request, with_region=True)

    def _read(self, request: ImageRequest, *, with_region: bool) -> ReadOutput:
        out = self.pipeline.read_plate(request, with_region=with_region)
        self.stats.record_image(reads=sum(1 for r in out.readings if r.plate_number))
        return out
