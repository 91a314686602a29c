"""AlprService servicer: unpack, call the data plane, pack. Stream scheduling is streams.py's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import grpc

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server import __version__
from server.config import Settings
from server.grpc_api import convert
from server.grpc_api.admission import Admission
from server.grpc_api.streams import StreamScheduler
from server.pipeline.counted_stages import CountedStages
from server.pipeline.stats import Stats
from server.pipeline.system import SystemStatus
from server.storage.retrieval import open_stored
from server.telemetry.metrics import ServerMetrics

CHUNK_BYTES = 256 * 1024


class AlprServicer(pb_grpc.AlprServiceServicer):
    """gRPC face of the data plane, built whole (admission, scheduler and metrics from the settings)."""

    def __init__(self, settings: Settings, stages: CountedStages, system: SystemStatus,
                 *, executor: ThreadPoolExecutor, now: Callable[[], datetime],
                 metrics: ServerMetrics | None = None) -> None:
        self._settings = settings
        self._stages = stages
        self._system = system
        self._now = now
        server = settings.server
        self.admission = Admission(max_streams=server.max_workers, max_inflight_images=server.inflight_images,
                                   retry_after_s=server.retry_after_s)
        self.metrics = metrics
        if metrics is not None:
            metrics.watch_admission(self.admission.numbers)
        self.streams = StreamScheduler(stages, executor, self.admission, window=server.stream_window,
                                       idle_timeout_s=server.stream_idle_timeout_s, metrics=metrics)

    def begin_drain(self, grace_period_s: float = 0.0) -> None:
        """Start draining the image streams (see StreamScheduler.begin_drain)."""
        self.streams.begin_drain(grace_period_s)

    @property
    def stats(self) -> Stats:
        """The counters the stages update."""
        return self._stages.stats

    def _timestamp(self) -> str:
        return self._now().astimezone(self._settings.tz).isoformat()

    # ---- streaming stages ----------------------------------------------------------------
    def ProcessImages(self, request_iterator: Iterator[pb.ProcessImagesRequest],
                      context: grpc.ServicerContext) -> Iterator[pb.ProcessImagesResponse]:
        """Full pipeline over a stream of images."""
        return self.streams.run("ProcessImages", request_iterator, context, self._stages.process,
                            convert.process_response, pb.ProcessImagesResponse)

    def DetectVehicles(self, request_iterator: Iterator[pb.DetectVehiclesRequest],
                       context: grpc.ServicerContext) -> Iterator[pb.DetectVehiclesResponse]:
        """Vehicle detection over a stream of images."""
        return self.streams.run("DetectVehicles", request_iterator, context, self._stages.detect_vehicles,
                            convert.vehicles_response, pb.DetectVehiclesResponse)

    def DetectPlates(self, request_iterator: Iterator[pb.DetectPlatesRequest],
                     context: grpc.ServicerContext) -> Iterator[pb.DetectPlatesResponse]:
        """Plate detection over a stream of images."""
        return self.streams.run("DetectPlates", request_iterator, context, self._stages.detect_plates,
                            convert.plates_response, pb.DetectPlatesResponse)

    def OcrPlates(self, request_iterator: Iterator[pb.OcrPlatesRequest],
                  context: grpc.ServicerContext) -> Iterator[pb.OcrPlatesResponse]:
        """OCR (no region mapping) over a stream of plate crops."""
        return self.streams.run("OcrPlates", request_iterator, context, self._stages.ocr,
                            convert.ocr_response, pb.OcrPlatesResponse)

    def RecognizePlates(self, request_iterator: Iterator[pb.RecognizePlatesRequest],
                        context: grpc.ServicerContext) -> Iterator[pb.RecognizePlatesResponse]:
        """OCR + Indonesian rules + region mapping over a stream of plate crops."""
        return self.streams.run("RecognizePlates", request_iterator, context, self._stages.recognize,
                            convert.recognition_response, pb.RecognizePlatesResponse)

    # ---- system --------------------------------------------------------------------------
    def GetServiceInfo(self, request: pb.GetServiceInfoRequest,
                       context: grpc.ServicerContext) -> pb.GetServiceInfoResponse:
        """Name and version."""
        return pb.GetServiceInfoResponse(
            name="Galaxy ALPR Core API",
            description="Advanced AI-Powered Automatic License Plate Recognition System",
            version=__version__, developer="@GalaxyDeveloper", year="2025",
        )

    def GetHealth(self, request: pb.GetHealthRequest,
                  context: grpc.ServicerContext) -> pb.GetHealthResponse:
        """Detailed health."""
        report = self._system.health()
        return pb.GetHealthResponse(
            status=types_pb2.HEALTH_STATUS_HEALTHY if report.status == "healthy" else types_pb2.HEALTH_STATUS_DEGRADED,
            version=__version__, uptime_seconds=self._system.uptime_seconds(),
            models_loaded=report.models_loaded, timestamp=self._timestamp(), issues=list(report.issues),
        )

    def GetPipelineInfo(self, request: pb.GetPipelineInfoRequest,
                        context: grpc.ServicerContext) -> pb.GetPipelineInfoResponse:
        """Stages, models, providers and limits."""
        return convert.pipeline_info(self._system.describe_pipeline(self._settings), __version__)

    def GetConfig(self, request: pb.GetConfigRequest,
                  context: grpc.ServicerContext) -> pb.GetConfigResponse:
        """Effective configuration without secrets."""
        return pb.GetConfigResponse(config=convert.service_config(self._settings), timestamp=self._timestamp())

    def GetStats(self, request: pb.GetStatsRequest,
                 context: grpc.ServicerContext) -> pb.GetStatsResponse:
        """Uptime and counters."""
        s, snap, health = self._settings, self.stats.snapshot(), self._system.health()
        return pb.GetStatsResponse(
            uptime_seconds=self._system.uptime_seconds(),
            start_time=self._system.started_at.astimezone(s.tz).isoformat(),
            current_time=self._timestamp(),
            vehicle_detector_loaded=health.models_loaded["vehicle_detector"],
            plate_detector_loaded=health.models_loaded["plate_detector"],
            gemini_api_configured=s.ocr.api_key_configured,
            vehicle_confidence_threshold=s.detection.vehicle_confidence_threshold,
            plate_confidence_threshold=s.detection.plate_threshold,
            supported_formats=list(s.image_formats), timezone=s.timezone,
            calls={k: types_pb2.CallCounters(requests=v.requests, errors=v.errors) for k, v in snap.calls.items()},
            images_processed=snap.images_processed, vehicles_detected=snap.vehicles_detected,
            plates_detected=snap.plates_detected, plates_read=snap.plates_read, errors=snap.errors,
        )

    def TestModels(self, request: pb.TestModelsRequest,
                   context: grpc.ServicerContext) -> pb.TestModelsResponse:
        """Model loading and availability."""
        def model(name: str) -> types_pb2.ModelStatus:
            r = self._system.model(name)
            return types_pb2.ModelStatus(status="loaded" if r.loaded else "not_loaded", model_path=r.path,
                                         classes=r.classes, execution_providers=list(r.providers),
                                         error=r.error, source=r.source)
        gemini, local = self._system.gemini_status(), self._system.local_ocr_status()
        health = self._system.health()
        return pb.TestModelsResponse(
            success=health.healthy,
            vehicle_detector=model("vehicle_detector"), plate_detector=model("plate_detector"),
            gemini_ocr=types_pb2.OcrStatus(status=gemini.status, model_name=self._settings.ocr.model_name,
                                           api_key_configured=self._settings.ocr.api_key_configured,
                                           error=gemini.error),
            local_ocr=types_pb2.OcrStatus(status=local.status, model_name=local.model_name, error=local.error),
            timestamp=self._timestamp(),
        )

    def GetImage(self, request: pb.GetImageRequest,
                 context: grpc.ServicerContext) -> Iterator[pb.GetImageResponse]:
        """Stream a stored artefact in chunks (the first says its type and size)."""
        store = self._stages.pipeline.store
        stored = open_stored(store.dirs.root, request.image_path, store.objects)
        for n, chunk in enumerate(stored.chunks(CHUNK_BYTES)):
            if n == 0:
                yield pb.GetImageResponse(chunk=chunk, content_type=stored.content_type, total_bytes=stored.size)
            else:
                yield pb.GetImageResponse(chunk=chunk)
