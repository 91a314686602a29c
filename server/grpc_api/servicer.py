"""AlprService servicer: unpack, call the data plane, pack. Nothing else."""

from __future__ import annotations

import contextvars
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any, Protocol, TypeVar

import grpc

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server import __version__
from server.config import Settings
from server.errors import AlprError, ShuttingDownError
from server.grpc_api import convert
from server.grpc_api.admission import Admission, idle_bounded
from server.grpc_api.status import item_error
from server.pipeline.counted_stages import CountedStages
from server.pipeline.results import ImageRequest
from server.pipeline.stats import Stats
from server.pipeline.system import SystemStatus
from server.storage.retrieval import open_stored
from server.telemetry.metrics import ServerMetrics

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
_DRAIN_POLL_S = 0.2

class _Tagged(Protocol):
    request_id: str


Out = TypeVar("Out")
Resp = TypeVar("Resp", bound=_Tagged)


class _ImageRequestMessage(Protocol):
    request_id: str

    @property
    def image(self) -> types_pb2.ImageInput: ...


def _image_request(msg: types_pb2.ImageInput, request_id: str = "") -> ImageRequest:
    return ImageRequest(content=msg.content, file_name=msg.file_name,
                        custom_timestamp=msg.custom_timestamp, batch_prefix=msg.batch_prefix,
                        request_id=request_id)


def _shutting_down() -> ShuttingDownError:
    return ShuttingDownError("Server is shutting down: this image was not processed; send it again")


def _done(value: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(value)
    return future


class AlprServicer(pb_grpc.AlprServiceServicer):
    """gRPC face of the data plane."""

    def __init__(self, settings: Settings, stages: CountedStages, system: SystemStatus,
                 *, executor: ThreadPoolExecutor, stream_window: int, now: Callable[[], datetime]) -> None:
        self._settings = settings
        self._stages = stages
        self._system = system
        self._executor = executor
        self._window = max(1, stream_window)
        self._now = now
        server = settings.server
        self.admission = Admission(max_streams=server.max_workers, max_inflight_images=server.inflight_images,
                                   retry_after_s=server.retry_after_s)
        self._idle_timeout_s = server.stream_idle_timeout_s
        self._drain_cutoff: float | None = None
        self.metrics: ServerMetrics | None = None  # set by create_server when metrics are exported

    def begin_drain(self, grace_period_s: float = 0.0) -> None:
        """Drain: images keep being processed for half the grace period; after that, those received and
        not started are answered SHUTTING_DOWN at once, and those running finish within the other half."""
        self._drain_cutoff = time.monotonic() + grace_period_s / 2

    def _past_cutoff(self) -> bool:
        return self._drain_cutoff is not None and time.monotonic() >= self._drain_cutoff

    @property
    def stats(self) -> Stats:
        """The counters the stages update."""
        return self._stages.stats

    def _timestamp(self) -> str:
        return self._now().astimezone(self._settings.tz).isoformat()

    # ---- streaming stages ----------------------------------------------------------------
    def _one(self, method: str, msg: _ImageRequestMessage, stage: Callable[[ImageRequest], Out],
             pack: Callable[[Out], Resp], fail: Callable[[types_pb2.ItemError], Resp]) -> Resp:
        try:
            out = self._stages.call(method, stage, _image_request(msg.image, msg.request_id))
        except AlprError as exc:
            log.info("%s: image %r rejected: %s", method, msg.image.file_name, exc.message)
            if self.metrics is not None:
                self.metrics.image_rejected(exc.reason)
            return fail(item_error(exc))
        except Exception as exc:
            log.exception("%s: image %r failed", method, msg.image.file_name)
            if self.metrics is not None:
                self.metrics.image_rejected("INTERNAL")
            return fail(item_error(exc))
        if self.metrics is not None:
            self.metrics.image_done(out)
        return pack(out)

    def _stream(self, method: str, requests: Iterable[Any], context: grpc.ServicerContext,
                stage: Callable[[ImageRequest], Out], pack: Callable[[Out], Resp],
                response_type: Callable[..., Resp]) -> Iterator[Resp]:
        """Answer each request in order, working on up to `stream_window` images at once.

        The first image of a stream is shed (OVERLOADED) when the process is at max_inflight_images;
        later ones wait for a slot. While draining, every image still received gets SHUTTING_DOWN.
        """
        def fail(error: types_pb2.ItemError) -> Resp:
            return response_type(error=error)

        pending: deque[tuple[str, Future[Resp]]] = deque()
        for seq, msg in enumerate(idle_bounded(iter(requests), self._idle_timeout_s), start=1):
            request_id = msg.request_id or str(seq)
            if self._past_cutoff():
                pending.append((request_id, _done(fail(item_error(_shutting_down())))))
            else:
                self.admission.acquire_image(wait=seq > 1)
                try:
                    # The stage thread logs under this call's request id (contextvars do not cross pools).
                    future = self._executor.submit(contextvars.copy_context().run, self._one, method, msg,
                                                   stage, pack, fail)
                except RuntimeError as exc:  # the stage pool is shut down
                    self.admission.release_image()
                    log.info("%s: stage pool closed (%s)", method, exc)
                    future = _done(fail(item_error(_shutting_down())))
                else:
                    future.add_done_callback(self.admission.release_image)
                pending.append((request_id, future))
            while len(pending) >= self._window:
                yield self._tag(*pending.popleft(), fail)
            if not context.is_active():
                return
        while pending:
            yield self._tag(*pending.popleft(), fail)

    def _tag(self, request_id: str, future: Future[Resp], fail: Callable[[types_pb2.ItemError], Resp]) -> Resp:
        # Once draining is past its cut-off, an image not yet started is answered now rather than
        # cancelled with the whole call when the grace period ends.
        while not future.done():
            if self._past_cutoff() and future.cancel():
                break
            wait([future], timeout=_DRAIN_POLL_S)
        response = fail(item_error(_shutting_down())) if future.cancelled() else future.result()
        response.request_id = request_id
        return response

    def ProcessImages(self, request_iterator: Iterator[pb.ProcessImagesRequest],
                      context: grpc.ServicerContext) -> Iterator[pb.ProcessImagesResponse]:
        """Full pipeline over a stream of images."""
        return self._stream("ProcessImages", request_iterator, context, self._stages.process,
                            convert.process_response, pb.ProcessImagesResponse)

    def DetectVehicles(self, request_iterator: Iterator[pb.DetectVehiclesRequest],
                       context: grpc.ServicerContext) -> Iterator[pb.DetectVehiclesResponse]:
        """Vehicle detection over a stream of images."""
        return self._stream("DetectVehicles", request_iterator, context, self._stages.detect_vehicles,
                            convert.vehicles_response, pb.DetectVehiclesResponse)

    def DetectPlates(self, request_iterator: Iterator[pb.DetectPlatesRequest],
                     context: grpc.ServicerContext) -> Iterator[pb.DetectPlatesResponse]:
        """Plate detection over a stream of images."""
        return self._stream("DetectPlates", request_iterator, context, self._stages.detect_plates,
                            convert.plates_response, pb.DetectPlatesResponse)

    def OcrPlates(self, request_iterator: Iterator[pb.OcrPlatesRequest],
                  context: grpc.ServicerContext) -> Iterator[pb.OcrPlatesResponse]:
        """OCR (no region mapping) over a stream of plate crops."""
        return self._stream("OcrPlates", request_iterator, context, self._stages.ocr,
                            convert.ocr_response, pb.OcrPlatesResponse)

    def RecognizePlates(self, request_iterator: Iterator[pb.RecognizePlatesRequest],
                        context: grpc.ServicerContext) -> Iterator[pb.RecognizePlatesResponse]:
        """OCR + Indonesian rules + region mapping over a stream of plate crops."""
        return self._stream("RecognizePlates", request_iterator, context, self._stages.recognize,
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
            plate_confidence_threshold=s.detection.plate_confidence_threshold,
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
        stored = open_stored(self._stages.pipeline.store.dirs.root, request.image_path)
        for n, chunk in enumerate(stored.chunks(CHUNK_BYTES)):
            if n == 0:
                yield pb.GetImageResponse(chunk=chunk, content_type=stored.content_type, total_bytes=stored.size)
            else:
                yield pb.GetImageResponse(chunk=chunk)
