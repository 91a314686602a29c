"""Builds the service from settings: models, OCR providers, storage, data plane, servicer."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

from server.config import Settings
from server.detection.onnx_detector import OnnxDetector
from server.detection.unified import UnifiedDetector
from server.errors import ConfigError
from server.grpc_api.history_servicer import HistoryServicer
from server.grpc_api.servicer import AlprServicer
from server.grpc_api.video_servicer import VideoServicer
from server.history.event_relay import PgEventRelay
from server.history.leases import LeasedCameras
from server.history.recorder import PipelineRecorder
from server.history.service import History, build_history
from server.history.video_reads import VideoReadRecorder
from server.ocr.base import OcrProvider
from server.ocr.cascade import CascadeOcrProvider
from server.ocr.circuit import CircuitBreaker, CircuitBreakerProvider
from server.ocr.factory import build_ocr_provider
from server.ocr.gemini import GeminiOcrProvider
from server.ocr.local import LocalOcrProvider
from server.ocr.plate_recognizer import PlateRecognizerProvider
from server.pipeline.counted_stages import CountedStages
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.ports import DetectorLike
from server.pipeline.scene import SceneAnalyzer
from server.pipeline.stats import Stats
from server.pipeline.system import SystemStatus
from server.plates.calibration import UNCALIBRATED, Calibration
from server.plates.verify import Verifier
from server.storage.artefacts import ArtefactStore, OutputDirs
from server.storage.object_store import ObjectStore
from server.storage.retention import Retention
from server.telemetry.metrics import ServerMetrics
from server.thread_plan import apply_thread_plan
from server.video.cameras import CameraManager
from server.video.hub import EventHub
from server.video.plane import VideoPlane

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The current time (aware)."""
    return datetime.now(timezone.utc)


@dataclass
class Service:
    """Everything the gRPC server needs, built once."""

    settings: Settings
    pipeline: AlprPipeline
    analyzer: SceneAnalyzer
    system: SystemStatus
    stats: Stats
    servicer: AlprServicer
    executor: ThreadPoolExecutor
    video: VideoServicer
    cameras: CameraManager
    plane: VideoPlane
    retention: Retention | None = None
    history: History | None = None
    history_servicer: HistoryServicer | None = None  # answers HISTORY_DISABLED when history is None
    relay: PgEventRelay | None = None  # camera events to and from the other replicas (camera leases)

    def close(self) -> None:
        """Stop the cameras and retention, release worker threads and the history database."""
        if self.relay is not None:
            self.relay.stop()
        self.cameras.stop()
        if self.retention is not None:
            self.retention.stop()
        self.executor.shutdown(wait=True)
        self.pipeline.close()
        if self.history is not None:
            self.history.close()


def _load_detector(settings: Settings, key: str, errors: dict[str, str],
                   class_filter: tuple[str, ...] | None, *, rect_input: bool = False) -> OnnxDetector | None:
    path = settings.resolve(getattr(settings.models, key))
    try:
        detector = OnnxDetector(path, runtime=settings.runtime, class_filter=class_filter, auto_pad=rect_input)
        detector.warmup()
    except Exception as exc:  # a missing or broken model degrades the service; it does not stop it
        errors[key] = f"{type(exc).__name__}: {exc}"
        log.error("%s not loaded from %s: %s", key, path, exc)
        return None
    log.info("%s loaded: %s (%s%s)", key, path, ", ".join(detector.info.providers),
             ", I/O binding" if detector.info.io_binding else "")
    return detector


def _load_plate_detector(settings: Settings, errors: dict[str, str]) -> OnnxDetector | None:
    """The plate detector, with stride-only padding when detection.plate_input is "rect"."""
    return _load_detector(settings, "plate_detector", errors, None,
                          rect_input=settings.detection.plate_input == "rect")


def _load_unified_detector(settings: Settings, errors: dict[str, str]) -> UnifiedDetector | None:
    """The unified vehicle + plate detector (detection.mode: unified); its errors stand for both detectors."""
    det = settings.detection
    classes = (*det.vehicle_classes, det.plate_class)
    detector = _load_detector(settings, "unified_detector", errors, classes, rect_input=det.unified_input == "rect")
    if detector is None:
        errors["vehicle_detector"] = errors["plate_detector"] = errors["unified_detector"]
        return None
    return UnifiedDetector(detector, vehicle_classes=det.vehicle_classes, plate_class=det.plate_class)


def _load_local_ocr(settings: Settings, errors: dict[str, str]) -> OcrProvider | None:
    """PP-OCR, and in front of it our plate recognizer when configured (ocr.local_reader) and loadable."""
    intra, inter = settings.runtime.intra_op_threads, settings.runtime.inter_op_threads
    ppocr: OcrProvider | None = None
    try:
        ppocr = LocalOcrProvider(intra_op_threads=intra, inter_op_threads=inter)
    except Exception as exc:
        errors["local_ocr"] = f"{type(exc).__name__}: {exc}"
        log.error("PP-OCR reader not loaded: %s", exc)
    if settings.ocr.local_reader == "ppocr":
        return ppocr
    try:
        recognizer = PlateRecognizerProvider(settings.resolve(settings.models.plate_recognizer),
                                             intra_op_threads=intra, inter_op_threads=inter)
    except Exception as exc:
        errors["plate_recognizer"] = f"{type(exc).__name__}: {exc}"
        log.error("plate recognizer not loaded, PP-OCR reads alone: %s", exc)
        return ppocr
    if ppocr is None:
        return recognizer
    return CascadeOcrProvider(recognizer, ppocr, settings.ocr.recognizer_min_confidence,
                              require_date=settings.ocr.cascade_require_date, vote=settings.ocr.cascade_vote)


def load_verifier(settings: Settings, errors: dict[str, str]) -> Verifier:
    """Plate formats, the confidence calibration (raw confidences when its file is absent or bad) and drops."""
    calibration = UNCALIBRATED
    configured = settings.models.confidence_calibration
    if configured:
        path = settings.resolve(configured)
        try:
            calibration = Calibration.load(path)
        except FileNotFoundError:
            log.warning("no confidence calibration at %s: confidences are the readers' own", path)
        except ValueError as exc:
            errors["confidence_calibration"] = str(exc)
            log.error("confidence calibration not loaded, confidences are the readers' own: %s", exc)
    return Verifier(settings.plates.formats, calibration, settings.plates.drop_invalid_below)


def build_service(settings: Settings) -> Service:
    """Load every model and wire the layers together (thread counts from runtime.thread_plan)."""
    settings = apply_thread_plan(settings)
    errors: dict[str, str] = {}
    unified: UnifiedDetector | None = None
    vehicle: DetectorLike | None
    plate: DetectorLike | None
    if settings.detection.mode == "unified":
        unified = _load_unified_detector(settings, errors)
        vehicle, plate = (unified.vehicles, unified.plates) if unified is not None else (None, None)
        detector_paths = dict.fromkeys(("vehicle_detector", "plate_detector"),
                                       str(settings.resolve(settings.models.unified_detector)))
    else:
        vehicle = _load_detector(settings, "vehicle_detector", errors, settings.detection.vehicle_classes)
        plate = _load_plate_detector(settings, errors)
        detector_paths = {"vehicle_detector": str(settings.resolve(settings.models.vehicle_detector)),
                          "plate_detector": str(settings.resolve(settings.models.plate_detector))}
    local = _load_local_ocr(settings, errors)
    gemini: OcrProvider | None = None
    if settings.ocr.provider != "local" and settings.ocr.api_key_configured:
        remote = GeminiOcrProvider(settings.ocr)
        # Validate key and model without delaying start-up; status() reflects the answer.
        threading.Thread(target=remote.probe, name="gemini-probe", daemon=True).start()
        gemini = CircuitBreakerProvider(remote, CircuitBreaker(settings.ocr.circuit_failures,
                                                               settings.ocr.circuit_open_s))
    # Gemini still reads when no local reader loaded (build_ocr_provider takes local=None).
    ocr = build_ocr_provider(settings.ocr, local, gemini=gemini)
    objects = object_store(settings)
    store = ArtefactStore(OutputDirs.from_settings(settings.output, settings.base_dir),
                          save_images=settings.output.save_detected_images,
                          random_names=settings.output.random_names, objects=objects)
    retention = Retention(store.dirs.all(), retention_days=settings.output.retention_days,
                          max_disk_mb=settings.output.max_disk_mb, objects=objects)
    retention.start(settings.output.retention_interval_s)
    stats = Stats()
    history = build_history(settings) if settings.history.enabled else None
    recorder = (PipelineRecorder(history.store, keep_unlisted_images=history.keep_images_for_unlisted)
                if history is not None else None)
    analyzer = SceneAnalyzer(settings, vehicle_detector=vehicle, plate_detector=plate, ocr=ocr,
                             verifier=load_verifier(settings, errors), unified_detector=unified)
    pipeline = AlprPipeline(settings, analyzer, store=store, now=utc_now, recorder=recorder)
    system = SystemStatus(
        vehicle_detector=vehicle, plate_detector=plate, gemini=gemini, local_ocr=local,
        model_paths=detector_paths, load_errors=errors, now=utc_now,
        storage=lambda: store.report(min_free_bytes=settings.output.min_free_mb << 20), base_dir=settings.base_dir,
    )
    executor = ThreadPoolExecutor(max_workers=settings.server.stage_threads, thread_name_prefix="stage")
    metrics = ServerMetrics()
    servicer = AlprServicer(settings, CountedStages(pipeline, stats), system, executor=executor, now=utc_now,
                            metrics=metrics)
    leases = camera_leases(settings, history)
    # Video and camera FINAL events go to the read history too (one read per vehicle; a camera's only
    # while this replica holds its lease).
    on_final = (VideoReadRecorder(history.store, utc_now, camera_ids=[c.id for c in settings.cameras],
                                  fences=leases.fence if leases is not None else None)
                if history is not None else None)
    plane = VideoPlane(settings, analyzer, store, utc_now, on_final=on_final)
    cameras = CameraManager(settings.cameras, plane, EventHub(settings.video.subscriber_queue), leases)
    relay = None
    if leases is not None:  # every replica's subscribers see every camera's events
        relay = PgEventRelay(leases.engine, leases.replica_id, cameras.hub)
        relay.start()
    video = VideoServicer(plane, cameras, utc_now)
    history_servicer = HistoryServicer(history.store if history is not None else None, settings.tz)
    if history is not None:
        history.start()
    return Service(settings, pipeline, analyzer, system, stats, servicer, executor, video, cameras, plane, retention,
                   history, history_servicer, relay)


def replica_name(settings: Settings) -> str:
    """This replica's name: camera_leases.replica_id, else <host name>-<process id>."""
    return settings.camera_leases.replica_id or f"{socket.gethostname()}-{os.getpid()}"


def camera_leases(settings: Settings, history: History | None) -> LeasedCameras | None:
    """The lease placement when camera_leases.enabled (needs the history on PostgreSQL); else None."""
    leases = settings.camera_leases
    if not leases.enabled:
        return None
    if history is None or history.store.engine.dialect.name != "postgresql":
        raise ConfigError("camera_leases.enabled needs the history on PostgreSQL (history.enabled and a "
                          "postgresql:// history.database_url); one machine with SQLite watches every camera")
    return LeasedCameras(history.store.engine, replica_name(settings), ttl_s=leases.ttl_s,
                         renew_every_s=leases.renew_every_s)


def object_store(settings: Settings) -> ObjectStore | None:
    """The artefacts' object store when object_store.url is set (its bucket made when absent); else None.

    An unreachable store at start-up is logged, not fatal: each save then carries a storage warning.
    """
    o = settings.object_store
    if not o.url:
        return None
    objects = ObjectStore(o.url, o.bucket, prefix=o.prefix, region=o.region,
                          access_key=o.access_key.get_secret_value(), secret_key=o.secret_key.get_secret_value(),
                          timeout_s=o.timeout_s)
    try:
        objects.ensure_bucket()
    except OSError as exc:
        log.error("object store %s unusable at start-up: %s", o.url, exc.strerror or exc)
    return objects
