"""The transport-free data plane: every image stage, called by gRPC (and tests).

Each stage is decode -> `SceneAnalyzer` (pure analysis) -> `ImageJob` (artefacts, document, history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from server.config import Settings
from server.imaging.decode import DecodedImage, DecodeGate, decode_image
from server.pipeline.clock import Stopwatch
from server.pipeline.image_job import ImageJob
from server.pipeline.ports import ReadRecorder
from server.pipeline.result_document import read_document
from server.pipeline.results import DetectionStageOutput, ImageRequest, PipelineOutput, ReadOutput
from server.pipeline.scene import SceneAnalyzer
from server.storage.artefacts import ArtefactStore
from server.storage.naming import file_prefix
from server.telemetry.tracing import tracer

Now = Callable[[], datetime]


class AlprPipeline:
    """The image stages: decode, analyze, save and record."""

    def __init__(self, settings: Settings, analyzer: SceneAnalyzer, *, store: ArtefactStore, now: Now,
                 recorder: ReadRecorder | None = None) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self.store = store
        self.recorder = recorder
        self.job = ImageJob(settings, store, recorder)
        self._now = now
        self._decode_gate = DecodeGate(settings.limits.large_image_pixels, settings.limits.max_large_decodes)

    def close(self) -> None:
        """Stop the analyzer's detector pool (waits for running detections)."""
        self.analyzer.close()

    def decode(self, request: ImageRequest, *, scene: bool = True) -> DecodedImage:
        """The request's image, checked against the configured formats and limits (scenes: minimum size)."""
        limits = self.settings.limits
        return decode_image(
            request.content,
            file_name=request.file_name,
            allowed_extensions=self.settings.image_formats,
            max_bytes=limits.max_image_bytes,
            min_size=(limits.min_scene_width, limits.min_scene_height) if scene else None,
            max_pixels=limits.max_pixels,
            gate=self._decode_gate,
        )

    def naming(self, request: ImageRequest) -> tuple[str, datetime]:
        """Validate the request's timestamp (before any work) and give its prefix and moment."""
        return file_prefix(
            self._now(), self.settings.tz,
            custom_timestamp=request.custom_timestamp, batch_prefix=request.batch_prefix,
        )

    # ---- stages --------------------------------------------------------------------------
    def process(self, request: ImageRequest) -> PipelineOutput:
        """Full pipeline for one uploaded image: decode, analyze, save, record."""
        watch = Stopwatch()
        wanted_prefix, moment = self.naming(request)
        decode = Stopwatch()
        with tracer().start_as_current_span("decode"):
            decoded = self.decode(request)
        decode_ms = decode.elapsed_ms()
        analysis = self.analyzer.analyze(decoded.image)
        analysis = replace(analysis, times=replace(analysis.times, decode_ms=decode_ms))
        with tracer().start_as_current_span("save"):
            return self.job.finish(request, decoded, analysis, wanted_prefix=wanted_prefix, moment=moment,
                                   watch=watch)

    def _detection_stage(self, request: ImageRequest, kind: str) -> DetectionStageOutput:
        """One detector alone ("vehicle" or "plate"), with the upload, annotated image and crops saved."""
        watch = Stopwatch()
        wanted_prefix, moment = self.naming(request)
        decoded = self.decode(request)
        stage = Stopwatch()
        with self.analyzer.inference_slot():
            image = decoded.image
            found = self.analyzer.vehicles(image) if kind == "vehicle" else self.analyzer.plates(image)
        return self.job.finish_stage(request, decoded, kind, found, wanted_prefix=wanted_prefix, moment=moment,
                                     watch=watch, stage_ms=stage.elapsed_ms())

    def detect_vehicles(self, request: ImageRequest) -> DetectionStageOutput:
        """Vehicle detection only."""
        return self._detection_stage(request, "vehicle")

    def detect_plates(self, request: ImageRequest) -> DetectionStageOutput:
        """Plate detection only."""
        return self._detection_stage(request, "plate")

    def read_plate(self, request: ImageRequest, *, with_region: bool) -> ReadOutput:
        """OCR (with_region=False) or full recognition of one plate image."""
        watch = Stopwatch()
        decoded = self.decode(request, scene=False)
        stage = Stopwatch()
        reading = self.analyzer.read_crop(decoded.image, with_region=with_region)
        stage_ms = stage.elapsed_ms()
        moment = self._now().astimezone(self.settings.tz)
        output = ReadOutput(moment.isoformat(), [reading], stage_ms, watch.elapsed_ms())
        output = replace(output, document=read_document(output, with_region=with_region))
        if with_region and self.recorder is not None:  # a recognised plate crop is a read too (no artefacts)
            self.recorder.record_plate_reads(output, request)
        return output
