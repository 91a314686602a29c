"""AlprService servicer: unpack, call the data plane, pack. Nothing else."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol, TypeVar

import grpc

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server import __version__
from server.config import Settings
from server.errors import AlprError
from server.grpc_api import convert
from server.grpc_api.status import item_error
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.result_document import detection_stage_document, read_document
from server.pipeline.results import ImageRequest, PlateOut, VehicleOut
from server.pipeline.stats import Stats
from server.pipeline.system import SystemStatus
from server.storage.retrieval import content_type, resolve_stored_path

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
PIPELINE_NAME = "ALPR Core Pipeline"

Resp = TypeVar("Resp")


class _ImageRequestMessage(Protocol):
    request_id: str

    @property
    def image(self) -> types_pb2.ImageInput: ...


def _image_request(msg: types_pb2.ImageInput, request_id: str = "") -> ImageRequest:
    return ImageRequest(content=msg.content, file_name=msg.file_name,
                        custom_timestamp=msg.custom_timestamp, batch_prefix=msg.batch_prefix,
                        request_id=request_id)


class AlprServicer(pb_grpc.AlprServiceServicer):
    """gRPC face of the data plane."""

    def __init__(self, settings: Settings, pipeline: AlprPipeline, system: SystemStatus, stats: Stats,
                 *, executor: ThreadPoolExecutor, stream_window: int, now: Callable[[], datetime]) -> None:
        self._settings = settings
        self._pipeline = pipeline
        self._system = system
        self._stats = stats
        self._executor = executor
        self._window = max(1, stream_window)
        self._now = now

    @property
    def stats(self) -> Stats:
        """The counters this servicer updates."""
        return self._stats

    def _timestamp(self) -> str:
        return self._now().astimezone(self._settings.tz).isoformat()

    # ---- streaming stages ----------------------------------------------------------------
    def _one(self, method: str, msg: _ImageRequestMessage, seq: int,
             handle: Callable[[ImageRequest], Resp], fail: Callable[[types_pb2.ItemError], Resp]) -> Resp:
        try:
            response = handle(_image_request(msg.image, msg.request_id))
        except AlprError as exc:
            log.info("%s: image %r rejected: %s", method, msg.image.file_name, exc.message)
            self._stats.record_call(method, error=True)
            return fail(item_error(exc))
        except Exception as exc:
            log.exception("%s: image %r failed", method, msg.image.file_name)
            self._stats.record_call(method, error=True)
            return fail(item_error(exc))
        self._stats.record_call(method, error=False)
        return response

    def _stream(self, method: str, requests: Iterable[Any], context: grpc.ServicerContext,
                handle: Callable[[ImageRequest], Any], fail: Callable[[types_pb2.ItemError], Any],
                ) -> Iterator[Any]:
        """Answer each request in order, working on up to `stream_window` images at once."""
        pending: deque[tuple[str, Future[Any]]] = deque()
        for seq, msg in enumerate(requests, start=1):
            request_id = msg.request_id or str(seq)
            pending.append((request_id, self._executor.submit(self._one, method, msg, seq, handle, fail)))
            while len(pending) >= self._window:
                yield self._tag(*pending.popleft())
            if not context.is_active():
                return
        while pending:
            yield self._tag(*pending.popleft())

    @staticmethod
    def _tag(request_id: str, future: Future[Any]) -> Any:
        response = future.result()
        response.request_id = request_id
        return response

    def ProcessImages(self, request_iterator: Iterator[pb.ProcessImagesRequest],
                      context: grpc.ServicerContext) -> Iterator[pb.ProcessImagesResponse]:
        """Full pipeline over a stream of images."""
        def handle(req: ImageRequest) -> pb.ProcessImagesResponse:
            out = self._pipeline.process(req)
            self._stats.record_image(
                vehicles=sum(1 for d in out.detections if d.vehicle is not None),
                plates=sum(1 for d in out.detections if d.plate is not None),
                reads=sum(1 for d in out.detections if d.plate is not None and d.plate.reading
                          and d.plate.reading.plate_number),
            )
            return pb.ProcessImagesResponse(result=convert.pipeline_result(out))
        return self._stream("ProcessImages", request_iterator, context, handle,
                            lambda e: pb.ProcessImagesResponse(error=e))

    def DetectVehicles(self, request_iterator: Iterator[pb.DetectVehiclesRequest],
                       context: grpc.ServicerContext) -> Iterator[pb.DetectVehiclesResponse]:
        """Vehicle detection over a stream of images."""
        def handle(req: ImageRequest) -> pb.DetectVehiclesResponse:
            out = self._pipeline.detect_vehicles(req)
            self._stats.record_image(vehicles=len(out.detections))
            return pb.DetectVehiclesResponse(
                uploaded_image_path=out.uploaded_image_path,
                detected_vehicle_image_path=out.detected_image_path,
                vehicles=[convert.vehicle(VehicleOut(i, d, path)) for i, (d, path)
                          in enumerate(zip(out.detections, out.crop_paths, strict=True), start=1)],
                vehicle_detection_ms=out.stage_ms, total_ms=out.total_ms, timestamp=out.timestamp,
                document_json=convert.document_json(detection_stage_document(out, "vehicle")),
            )
        return self._stream("DetectVehicles", request_iterator, context, handle,
                            lambda e: pb.DetectVehiclesResponse(error=e))

    def DetectPlates(self, request_iterator: Iterator[pb.DetectPlatesRequest],
                     context: grpc.ServicerContext) -> Iterator[pb.DetectPlatesResponse]:
        """Plate detection over a stream of images."""
        def handle(req: ImageRequest) -> pb.DetectPlatesResponse:
            out = self._pipeline.detect_plates(req)
            self._stats.record_image(plates=len(out.detections))
            return pb.DetectPlatesResponse(
                uploaded_image_path=out.uploaded_image_path,
                detected_plate_image_path=out.detected_image_path,
                plates=[convert.plate(PlateOut(i, d, path)) for i, (d, path)
                        in enumerate(zip(out.detections, out.crop_paths, strict=True), start=1)],
                plate_detection_ms=out.stage_ms, total_ms=out.total_ms, timestamp=out.timestamp,
                document_json=convert.document_json(detection_stage_document(out, "plate")),
            )
        return self._stream("DetectPlates", request_iterator, context, handle,
                            lambda e: pb.DetectPlatesResponse(error=e))

    def OcrPlates(self, request_iterator: Iterator[pb.OcrPlatesRequest],
                  context: grpc.ServicerContext) -> Iterator[pb.OcrPlatesResponse]:
        """OCR (no region mapping) over a stream of plate crops."""
        def handle(req: ImageRequest) -> pb.OcrPlatesResponse:
            out = self._pipeline.read_plate(req, with_region=False)
            self._stats.record_image(reads=sum(1 for r in out.readings if r.plate_number))
            return pb.OcrPlatesResponse(readings=[convert.reading(r) for r in out.readings],
                                        plate_ocr_ms=out.stage_ms, total_ms=out.total_ms,
                                        timestamp=out.timestamp,
                                        document_json=convert.document_json(read_document(out, with_region=False)))
        return self._stream("OcrPlates", request_iterator, context, handle,
                            lambda e: pb.OcrPlatesResponse(error=e))

    def RecognizePlates(self, request_iterator: Iterator[pb.RecognizePlatesRequest],
                        context: grpc.ServicerContext) -> Iterator[pb.RecognizePlatesResponse]:
        """OCR + Indonesian rules + region mapping over a stream of plate crops."""
        def handle(req: ImageRequest) -> pb.RecognizePlatesResponse:
            out = self._pipeline.read_plate(req, with_region=True)
            self._stats.record_image(reads=sum(1 for r in out.readings if r.plate_number))
            return pb.RecognizePlatesResponse(readings=[convert.reading(r) for r in out.readings],
                                              plate_recognition_ms=out.stage_ms, total_ms=out.total_ms,
                                              timestamp=out.timestamp,
                                              document_json=convert.document_json(read_document(out, with_region=True)))
        return self._stream("RecognizePlates", request_iterator, context, handle,
                            lambda e: pb.RecognizePlatesResponse(error=e))

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
            status=types_pb2.HEALTH_STATUS_HEALTHY if report.healthy else types_pb2.HEALTH_STATUS_DEGRADED,
            version=__version__, uptime_seconds=self._system.uptime_seconds(),
            models_loaded=report.models_loaded, timestamp=self._timestamp(), issues=list(report.issues),
        )

    def GetPipelineInfo(self, request: pb.GetPipelineInfoRequest,
                        context: grpc.ServicerContext) -> pb.GetPipelineInfoResponse:
        """Stages, models, providers and limits."""
        s = self._settings
        vehicle, plate = self._system.model("vehicle_detector"), self._system.model("plate_detector")
        gemini, local = self._system.gemini_status(), self._system.local_ocr_status()
        ocr_model = ", ".join(x for x in (local.model_name if local.available else "",
                                          gemini.model_name if gemini.available else "") if x)
        stages = [
            types_pb2.StageInfo(name="vehicle_detection", model=vehicle.path, model_source=vehicle.source,
                                classes=list(vehicle.classes.values()),
                                description="YOLO vehicle detector (ONNX)"),
            types_pb2.StageInfo(name="plate_detection", model=plate.path, model_source=plate.source,
                                classes=list(plate.classes.values()),
                                description="YOLO licence plate detector (ONNX)"),
            types_pb2.StageInfo(name="plate_recognition", model=ocr_model, model_source=s.ocr.provider,
                                description="OCR + Indonesian plate rules, colours and region mapping"),
            types_pb2.StageInfo(name="pairing", model="containment",
                                description="plate-in-vehicle box containment"),
        ]
        return pb.GetPipelineInfoResponse(
            pipeline_name=PIPELINE_NAME, version=__version__, stages=stages,
            execution_providers=list(vehicle.providers or plate.providers),
            ocr_provider=s.ocr.provider, pairing_method="containment",
            supported_formats=list(s.image_formats), max_image_bytes=s.limits.max_image_bytes,
            min_scene_width=s.limits.min_scene_width, min_scene_height=s.limits.min_scene_height,
            max_batch_images=s.limits.max_batch_images, timezone=s.timezone,
        )

    def GetConfig(self, request: pb.GetConfigRequest,
                  context: grpc.ServicerContext) -> pb.GetConfigResponse:
        """Effective configuration without secrets."""
        return pb.GetConfigResponse(config=convert.service_config(self._settings), timestamp=self._timestamp())

    def GetStats(self, request: pb.GetStatsRequest,
                 context: grpc.ServicerContext) -> pb.GetStatsResponse:
        """Uptime and counters."""
        s, snap, health = self._settings, self._stats.snapshot(), self._system.health()
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
        """Stream a stored artefact in chunks."""
        path = resolve_stored_path(self._pipeline.store.dirs.root, request.image_path)
        with path.open("rb") as handle:
            size = path.stat().st_size
            first = True
            while chunk := handle.read(CHUNK_BYTES):
                if first:
                    yield pb.GetImageResponse(chunk=chunk, content_type=content_type(path), total_bytes=size)
                    first = False
                else:
                    yield pb.GetImageResponse(chunk=chunk)
            if first:
                yield pb.GetImageResponse(content_type=content_type(path), total_bytes=0)
