"""Typed, frozen settings: one YAML file + environment overrides + `.env`.

Built once at start-up by `load_settings()` and passed down explicitly.
Environment overrides use `GALAXY_ALPR__SECTION__KEY=value` (values parsed as YAML,
so `0.3`, `true` and `[a, b]` work). GEMINI_API_KEY comes from the environment or
from `.env` beside the working directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from server.errors import ConfigError
from server.plates.validity import DEFAULT_FOREIGN_PATTERNS, PlateFormats

ENV_PREFIX = "GALAXY_ALPR__"
CONFIG_ENV = "GALAXY_ALPR_CONFIG"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelsSettings(_Frozen):
    vehicle_detector: str = Field("models/vehicle_detector_int8.onnx", description=(
        "The COCO vehicle detector (ONNX; made by `python -m server.models.prepare`)."))
    plate_detector: str = Field("models/plate_detector.onnx", description=(
        "The plate detector (ONNX; made by `python -m server.models.prepare`)."))
    plate_recognizer: str = Field("models/plate_recognizer.onnx", description=(
        "Our plate recognizer (ONNX, trained by training/train_recognizer.py)."))
    confidence_calibration: str = Field("models/confidence_calibration.json", description=(
        "Maps raw reader confidences to P(read is right) (training/calibrate.py); \"\" or a missing file: "
        "raw."))
    unified_detector: str = Field("models/unified_detector.onnx", description=(
        "One network for vehicles and plates (detection.mode: unified); training/train_unified_detector.py."))


class OcrSettings(_Frozen):
    provider: Literal["auto", "gemini", "local"] = Field("auto", description=(
        "Who reads plates: auto (Gemini when a key is set, else the local reader), gemini or local."))
    local_reader: Literal["cascade", "ppocr"] = Field("cascade", description=(
        "The offline reader: our plate recognizer with PP-OCR for the plates it is unsure of, or PP-OCR "
        "alone."))
    recognizer_min_confidence: float = Field(0.85, ge=0, le=1, description=(
        "Recognizer reads below this least-character probability go to PP-OCR (cascade only). 0.85 with "
        "voting, chosen for recognizer 3.0.0 on the held-out split (training/choose_threshold.py)."))
    cascade_vote: bool = Field(True, description=(
        "Where the cascade fell back and both reads are Indonesian plates of one length: vote per character "
        "(recognizer 3.0.0 on the 451-crop validation split: 87.4% -> 89.1% at 0.85)."))
    cascade_require_date: bool = Field(True, description=(
        "The recognizer's read stands only with a validity date row (MM.YY) under it (true), or on confidence "
        "and the Indonesian grammar alone (false). Foreign plates have no date row: true sends a foreign plate "
        "the recognizer took for an Indonesian text to PP-OCR. False suits cameras that see only Indonesian "
        "plates (held-out split, recognizer 3.0.0 at 0.85 with voting: 89.1% -> 90.0% exact, 35.3% -> 19.3% "
        "of crops to PP-OCR)."))
    model_name: str = Field("gemini-3.1-flash-lite", description="The Gemini model used when Gemini reads.")
    timeout_s: float = Field(10.0, gt=0, description="Time budget of one Gemini call.")
    max_retries: int = Field(3, ge=0, le=10, description=(
        "Retries of a failed Gemini call (rate limits and server errors)."))
    rate_limit_per_minute: int = Field(30, ge=1, description=(
        "Gemini calls per minute at most (ours; theirs answers 429)."))
    max_concurrency: int = Field(4, ge=1, description="Gemini calls in flight at once.")
    circuit_failures: int = Field(3, ge=1, description=(
        "Circuit breaker: after this many failed Gemini calls in a row, Gemini is skipped (local reads, "
        "/health degraded) for circuit_open_s; then one call tries it again."))
    circuit_open_s: float = Field(30.0, gt=0, description=(
        "How long Gemini is skipped after circuit_failures failures in a row."))
    gemini_base_url: str = Field("", description=(
        "Another Gemini endpoint (a proxy, or the test fake); empty: Google's."))
    api_key: SecretStr = Field(SecretStr(""), description=(
        "The Gemini key: from GEMINI_API_KEY or .env only, never from the file."))

    @property
    def api_key_configured(self) -> bool:
        """True when a Gemini key is set."""
        return bool(self.api_key.get_secret_value())


DetectorMode = Literal["unified", "two_detectors"]
InputShape = Literal["square", "rect"]


class DetectionSettings(_Frozen):
    mode: DetectorMode = Field("unified", description=(
        "\"unified\": one pass of models.unified_detector (the COCO YOLOv8n with a trained plate head) finds "
        "vehicles and plates; \"two_detectors\": the vehicle and plate detectors (models.vehicle_detector, "
        "models.plate_detector), the default before 1.1."))
    vehicle_confidence_threshold: float = Field(0.25, ge=0, le=1, description=(
        "Vehicles below this detector confidence are dropped."))
    plate_confidence_threshold: float = Field(0.25, ge=0, le=1, description=(
        "Plates below this detector confidence are dropped (two_detectors)."))
    unified_plate_confidence_threshold: float = Field(0.15, ge=0, le=1, description=(
        "The unified detector's plate threshold: the highest that keeps every plate of the training sets' "
        "held-out split (training/choose_unified_threshold.py)."))
    vehicle_padding: int = Field(25, ge=0, description="Pixels added around a vehicle box when its crop is saved.")
    plate_padding: int = Field(25, ge=0, description="Pixels added around a plate box when its crop is saved.")
    iou_threshold: float = Field(0.45, gt=0, le=1, description="Non-maximum suppression IoU of the detectors.")
    plate_search_max_vehicles: int | None = Field(None, ge=0, description=(
        "Vehicles (largest first) whose crops are searched again when the whole image shows no plate in them;"
        " unset (null): 1 with two detectors, 0 with the unified one (see plate_searches)."))
    plate_input: InputShape = Field("square", description=(
        "The plate detector's input: \"square\" letterboxes to 640x640; \"rect\" pads only to the stride "
        "(1280x720 -> 640x384, about 40% less work; needs a model exported with a dynamic input size)."))
    unified_input: InputShape = Field("rect", description=(
        "The unified detector's input, the same choice (\"rect\": 1280x720 -> 640x384)."))
    vehicle_classes: tuple[str, ...] = Field(("car", "motorcycle", "bus", "truck"), description=(
        "COCO classes reported as vehicles."))
    plate_class: str = Field("License_Plate", description=(
        "The unified detector's plate class (the API calls it \"plate\")."))

    @property
    def plate_threshold(self) -> float:
        """The plate confidence threshold of the detector the mode uses."""
        return self.unified_plate_confidence_threshold if self.mode == "unified" else self.plate_confidence_threshold

    @property
    def plate_searches(self) -> int:
        """Vehicle crops searched again for plates: the configured number, else the mode's default."""
        if self.plate_search_max_vehicles is not None:
            return self.plate_search_max_vehicles
        return 1 if self.mode == "two_detectors" else 0


class OutputSettings(_Frozen):
    save_detected_images: bool = Field(True, description=(
        "Save the upload, crops and annotated images (false: only the results JSON)."))
    root_dir: str = Field("images_processed", description=(
        "Root of every saved artefact (relative paths are under base_dir); /images/{path} serves it."))
    uploaded_vehicle_image_dir: str = Field("images_processed/uploaded_vehicle_images", description=(
        "Uploaded scene images."))
    detected_vehicle_image_dir: str = Field("images_processed/detected_vehicle_images", description=(
        "Scene images with the vehicle boxes drawn."))
    cropped_vehicle_image_dir: str = Field("images_processed/cropped_vehicle_images", description="Vehicle crops.")
    uploaded_plate_image_dir: str = Field("images_processed/uploaded_plate_images", description=(
        "Images uploaded to the plate-only endpoints."))
    detected_plate_image_dir: str = Field("images_processed/detected_plate_images", description=(
        "Scene images with the plate boxes and reads drawn."))
    cropped_plate_image_dir: str = Field("images_processed/cropped_plate_images", description="Plate crops.")
    results_dir: str = Field("images_processed/results", description=(
        "Results JSON files (each the REST `data` of its image)."))
    random_names: bool = Field(True, description=(
        "Artefact names get a random token after the timestamp (\"<ts>_<16 hex>_uploaded_image.jpg\"), so "
        "they cannot be guessed from the time; false keeps the seed's \"<ts>\", \"<ts>_2\", ... names."))
    min_free_mb: int = Field(100, ge=0, description=(
        "/health is degraded below this much free space on the output root (or when it is not writable)."))
    retention_days: float = Field(0.0, ge=0, description=(
        "Retention: artefacts older than this many days are deleted (0: kept for ever)."))
    max_disk_mb: int = Field(0, ge=0, description=(
        "The oldest artefacts go first while the artefact directories hold more than this (0: no cap)."))
    retention_interval_s: float = Field(300.0, gt=0, description="How often the artefact retention runs.")


ThreadPlanName = Literal["manual", "latency", "throughput"]


class RuntimeSettings(_Frozen):
    thread_plan: ThreadPlanName = Field("manual", description=(
        "How onnxruntime threads and pipeline threads share the cores (server.thread_plan): \"manual\" uses "
        "intra_op_threads, concurrent_detectors and server.stage_workers as written; \"latency\" gives one "
        "image all cores (no more inference threads than cores); \"throughput\" runs one image per core, one "
        "thread each, for servers under load."))
    intra_op_threads: int = Field(2, ge=0, description=(
        "onnxruntime threads per inference (0: onnxruntime's choice); thread plans set it."))
    inter_op_threads: int = Field(1, ge=0, description="onnxruntime inter-op threads per session.")
    execution_providers: tuple[str, ...] = Field((), description=(
        "onnxruntime providers in priority order; empty: TensorRT, CUDA where available, else CPU."))
    concurrent_detectors: bool = Field(True, description=(
        "The full pipeline runs its vehicle and plate detectors at the same time (two threads per image)."))
    inference_slots: int = Field(0, ge=0, description=(
        "Images in detection at once (0: no limit); the latency and throughput plans set it."))
    io_binding: Literal["auto", "on", "off"] = Field("auto", description=(
        "onnxruntime I/O binding for the detectors: auto = on when the session runs on CUDA/TensorRT."))


class ServerSettings(_Frozen):
    host: str = Field("0.0.0.0", description="Address the gRPC server binds.")
    port: int = Field(50051, ge=0, le=65535, description="gRPC port.")
    max_workers: int = Field(32, ge=1, description=(
        "Streaming RPCs served at once (each holds a gRPC thread, mostly waiting); more are refused at once "
        "with RESOURCE_EXHAUSTED + a retry hint. `system_threads` more threads serve health and system RPCs."))
    system_threads: int = Field(4, ge=1, description="Threads kept apart for health and system RPCs.")
    max_inflight_images: int = Field(0, ge=0, description=(
        "Images queued or running in the stage pool, all streams together; a stream's first image beyond it "
        "is shed (RESOURCE_EXHAUSTED, reason OVERLOADED). 0: two per stage thread."))
    retry_after_s: float = Field(1.0, gt=0, description=(
        "The retry hint sent with OVERLOADED (RetryInfo and retry-after metadata)."))
    stream_idle_timeout_s: float = Field(30.0, gt=0, description=(
        "A stream that sends nothing for this long is closed (DEADLINE_EXCEEDED, reason STREAM_IDLE)."))
    stage_workers: int = Field(0, ge=0, description=(
        "Threads that run pipeline stages (decode, inference, OCR, saving); 0: one per CPU core. More than "
        "the cores only adds memory (each thread grows its own onnxruntime arenas) and contention."))
    stream_window: int = Field(2, ge=1, description=(
        "Images of one stream worked on at once (decode/save of one overlaps inference of another)."))
    otlp_endpoint: str = Field("", description=(
        "OpenTelemetry traces (RPC, image, each stage) to this OTLP/HTTP collector, e.g. "
        "http://otel-collector:4318/v1/traces; empty: off."))
    log_format: Literal["text", "json"] = Field("text", description=(
        "Log lines: \"text\", or \"json\" (one object per line: time, level, logger, message, request_id, "
        "camera, replica) for log collectors."))
    grace_period_s: float = Field(10.0, ge=0, description=(
        "After SIGTERM, images are processed for half of this; then those not started are answered "
        "SHUTTING_DOWN and those running finish: keep it above twice the slowest image (10 s: 10 photos of a "
        "batch under load need about 5 s of it, see README)."))
    metrics_port: int = Field(9464, ge=-1, le=65535, description=(
        "Prometheus metrics (http://host:port/metrics); 0: a free port (logged); -1: off."))
    metrics_host: str = Field("127.0.0.1", description="Address the Prometheus endpoint binds.")
    api_keys: tuple[SecretStr, ...] = Field((), description=(
        "API keys for the gRPC port (x-api-key or authorization: Bearer). Empty: open, with a start-up "
        "warning. Set them from the environment (GALAXY_ALPR__SERVER__API_KEYS=[k1, k2]), not in the file."))
    tls_cert_file: str = Field("", description=(
        "TLS for the gRPC port: PEM certificate (chain) and private key; both empty: plaintext."))
    tls_key_file: str = Field("", description="TLS private key (PEM) for the gRPC port, with tls_cert_file.")

    @property
    def api_key_values(self) -> tuple[str, ...]:
        """The configured keys as plain strings."""
        return tuple(k.get_secret_value() for k in self.api_keys if k.get_secret_value())

    @property
    def stage_threads(self) -> int:
        """The stage pool's size: stage_workers, or the CPU count when it is 0."""
        return self.stage_workers or max(1, os.cpu_count() or 1)

    @property
    def inflight_images(self) -> int:
        """The in-flight image bound: max_inflight_images, or two per stage thread when it is 0."""
        return self.max_inflight_images or 2 * self.stage_threads


class PlateSettings(_Frozen):
    foreign_patterns: tuple[str, ...] = Field(DEFAULT_FOREIGN_PATTERNS, description=(
        "Foreign plate formats (regular expressions on the text without spaces) that count as valid plates "
        "besides the Indonesian grammar; see server/plates/validity.py for the defaults."))
    drop_invalid_below: float = Field(0.0, ge=0, le=1, description=(
        "Drop detections whose reading is not a valid plate and below this confidence (0: keep every one; "
        "kept ones carry plate_valid false and a low confidence_score)."))

    @field_validator("foreign_patterns")
    @classmethod
    def _regular_expressions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        PlateFormats.from_patterns(value)  # raises ValueError naming the bad pattern
        return value

    @property
    def formats(self) -> PlateFormats:
        """The compiled formats."""
        return PlateFormats.from_patterns(self.foreign_patterns)


class LimitSettings(_Frozen):
    max_image_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest image upload, in bytes.")
    min_scene_width: int = Field(64, ge=1, description=(
        "Smallest scene image width in pixels (plate-only endpoints take smaller crops)."))
    min_scene_height: int = Field(64, ge=1, description="Smallest scene image height in pixels.")
    max_batch_images: int = Field(10, ge=1, description="Images per batch request at most.")
    max_pixels: int = Field(50_000_000, ge=1, description=(
        "Declared width x height (read from the header, before decoding) above which an image is refused."))
    large_image_pixels: int = Field(16_000_000, ge=1, description=(
        "Images of at least this many pixels are decoded at most `max_large_decodes` at a time."))
    max_large_decodes: int = Field(1, ge=1, description=(
        "Large images (large_image_pixels or more) decoded at the same time at most."))
    max_video_bytes: int = Field(200 * 1024 * 1024, ge=1, description=(
        "Videos (uploads, TrackFrames and cameras): bytes, seconds and frame size accepted."))
    max_video_duration_s: float = Field(600.0, gt=0, description="Longest uploaded or file video, in seconds.")
    min_video_width: int = Field(160, ge=1, description="Smallest video frame width in pixels.")
    min_video_height: int = Field(120, ge=1, description="Smallest video frame height in pixels.")
    max_video_width: int = Field(4096, ge=1, description="Largest video frame width in pixels.")
    max_video_height: int = Field(2304, ge=1, description="Largest video frame height in pixels.")


class VideoSettings(_Frozen):
    sample_fps: float = Field(5.0, ge=0, description=(
        "Frames analysed per second of video (the others are decoded and dropped); 0: every frame."))
    client_frame_rate: float = Field(10.0, gt=0, description=(
        "The rate the tracker assumes for frames a client pushes (TrackFrames) when sample_fps is 0."))
    track_lost_s: float = Field(1.0, gt=0, description=(
        "A track unseen for this long is over: its FINAL event goes out."))
    max_prediction_delay_s: float = Field(6.0, gt=0, description=(
        "A track's FINAL goes out at the latest this long after it was first seen (it keeps being tracked)."))
    settle_votes: int = Field(3, ge=1, description=(
        "A read is settled (no more OCR for its track) when its leader has this many votes and this share."))
    settle_share: float = Field(0.7, gt=0, le=1, description=(
        "... and this share of the track's vote weight (with settle_votes)."))
    other_read_weight: float = Field(1.0, ge=0, le=2, description=(
        "Each frame also votes with the other reader's read of the crop (a cascade's unchosen read), its own "
        "calibrated confidence times this; 0: only the chosen read votes."))
    min_read_confidence: float = Field(0.5, ge=0, le=1, description=(
        "A NEW event needs at least this vote weight behind the leading read."))
    min_track_frames: int = Field(2, ge=1, description=(
        "Tracks seen on fewer sampled frames than this are not reported (detector flicker)."))
    dedupe_window_s: float = Field(5.0, ge=0, description=(
        "A FINAL whose plate equals one finalised this recently (same source) is dropped as a duplicate."))
    plate_search_size: int = Field(320, ge=64, le=1280, description=(
        "Plates of tracked vehicles are looked for in their crops, letterboxed to this size (the whole frame "
        "is searched too, every few analysed frames, for plates seen without a vehicle)."))
    split_scale_ratio: float = Field(2.5, gt=1, description=(
        "A tracked vehicle whose box area changes by more than this factor between two analysed frames (at most "
        "split_window_s apart, box not cut by the frame edge) is another vehicle: the track ends and a new one "
        "starts."))
    split_shift: float = Field(1.0, gt=0, description=(
        "... or whose box centre moves more than this many box sizes between two analysed frames."))
    split_window_s: float = Field(0.5, gt=0, description=(
        "Scale and position jumps are judged only between sightings at most this far apart (a vehicle hidden "
        "longer may have moved)."))
    split_contradictions: int = Field(2, ge=0, description=(
        "A track whose plate is settled (or already FINAL) ends when this many full-frame scans in a row read a "
        "confident, valid, different plate on it (another vehicle took its place, e.g. at a gate); 0: never."))
    track_activation_threshold: float = Field(0.4, ge=0, le=1, description=(
        "Vehicles whose detector confidence is below this do not start tracks."))
    allowed_dirs: tuple[str, ...] = Field((), description=(
        "Files WatchStream may read (a path outside these directories is refused); empty: none."))
    reconnect_initial_s: float = Field(0.5, gt=0, description=(
        "Camera reconnection: the first delay, doubling up to reconnect_max_s."))
    rtsp_transport: Literal["tcp", "udp"] = Field("tcp", description=(
        "How RTSP cameras deliver RTP: tcp (interleaved on the RTSP connection; passes NAT and firewalls, no "
        "loss) or udp (lower latency on a clean network; lost packets lose frames)."))
    reconnect_max_s: float = Field(10.0, gt=0, description="Camera reconnection: the longest delay between attempts.")
    max_streams: int = Field(4, ge=1, description=(
        "Long-lived calls (WatchStream, SubscribeEvents: SSE clients) served at once; each holds a gRPC "
        "thread, so this stays below server.max_workers and image requests always find a thread."))
    subscriber_queue: int = Field(1000, ge=1, description=(
        "Events kept per subscriber before the oldest are dropped (a slow client never blocks a camera)."))


Point = tuple[float, float]


class CameraSettings(_Frozen):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description=(
        "The camera's id (events' source_id, history camera_id)."))
    url: str = Field(min_length=1, description=(
        "Its stream URL (rtsp://, http(s)://) or a file under video.allowed_dirs."))
    sample_fps: float | None = Field(None, ge=0, description=(
        "Frames analysed per second for this camera; unset: video.sample_fps."))
    rtsp_transport: Literal["tcp", "udp"] | None = Field(None, description=(
        "This camera's RTSP transport; unset: video.rtsp_transport."))
    roi: tuple[Point, ...] = Field((), description=(
        "Region of interest: a polygon in pixels (x, y); only vehicles/plates whose centre is inside count."))
    exclude: tuple[tuple[Point, ...], ...] = Field((), description=(
        "Polygons whose vehicles/plates are ignored (a parked row, a billboard)."))


class HistorySettings(_Frozen):
    """Read history, watch lists and webhook alerts (server/history)."""

    enabled: bool = Field(True, description="Keep a history of reads (search, CSV export, watch lists, webhooks).")
    database_url: str = Field("", description=(
        "A SQLAlchemy URL; empty: the SQLite file <output.root_dir>/history.db. PostgreSQL: "
        "postgresql://user:password@host:5432/dbname (several replicas may share one)."))
    webhook_secret: SecretStr = Field(SecretStr(""), description=(
        "Signs every webhook body (header X-Galaxy-Signature: sha256=<hex HMAC-SHA256>) when set."))
    webhook_timeout_s: float = Field(5.0, gt=0, description="Time budget of one webhook delivery.")
    webhook_max_attempts: int = Field(30, ge=1, description="Deliveries of one webhook before it is given up.")
    webhook_backoff_s: float = Field(1.0, gt=0, description=(
        "First delay before a failed webhook is sent again, doubling."))
    webhook_max_backoff_s: float = Field(60.0, gt=0, description="Longest delay between webhook attempts.")
    retention_days: float = Field(0.0, ge=0, description=(
        "Reads (and their artefact files) older than this are deleted; 0 keeps them for ever."))
    retention_interval_s: float = Field(3600.0, gt=0, description="How often the read retention runs.")
    keep_images: Literal["all", "watchlist"] = Field("all", description=(
        "\"all\": keep every image; \"watchlist\": keep images only when a plate matches a watch-list entry."))


class ObjectStoreSettings(_Frozen):
    url: str = Field("", description=(
        "An S3-compatible endpoint (http://minio:9000, https://s3.eu-central-1.amazonaws.com); set, every saved "
        "artefact is also put in the bucket and /images/{path} serves it from there when this replica has no "
        "local copy (replicas share their images). Empty: the local output root only."))
    bucket: str = Field("galaxy-alpr", min_length=3, description="The bucket (created when absent).")
    prefix: str = Field("", description="Key prefix of every artefact in the bucket.")
    region: str = Field("us-east-1", description="The region the S3 client names.")
    access_key: SecretStr = Field(SecretStr(""), description=(
        "Access key (set from the environment: GALAXY_ALPR__OBJECT_STORE__ACCESS_KEY); empty: anonymous."))
    secret_key: SecretStr = Field(SecretStr(""), description=(
        "Secret key (GALAXY_ALPR__OBJECT_STORE__SECRET_KEY)."))
    timeout_s: float = Field(10.0, gt=0, description="Connect and read timeout of one object store call.")


class CameraLeaseSettings(_Frozen):
    enabled: bool = Field(False, description=(
        "Several replicas on one PostgreSQL history (history.database_url): each configured camera is watched "
        "by exactly one replica, leased in the database; false: this process watches every camera."))
    ttl_s: float = Field(15.0, gt=0, description=(
        "A lease lasts this long without renewal: a dead replica's cameras move to another within it."))
    renew_every_s: float = Field(5.0, gt=0, description=(
        "How often a replica renews its leases and takes or hands back cameras (below half of ttl_s)."))
    replica_id: str = Field("", description=(
        "This replica's name in the leases, /health and /stats (empty: <host name>-<process id>; on "
        "Kubernetes the pod name)."))

    @model_validator(mode="after")
    def _renewed_well_within_the_ttl(self) -> CameraLeaseSettings:
        if self.renew_every_s >= self.ttl_s / 2:
            raise ValueError(f"renew_every_s ({self.renew_every_s}) must be below half of ttl_s ({self.ttl_s})")
        return self


class Settings(_Frozen):
    """Everything the server needs, validated."""

    models: ModelsSettings = Field(ModelsSettings(), description="Model files.")
    ocr: OcrSettings = Field(OcrSettings(), description="Plate readers.")
    detection: DetectionSettings = Field(DetectionSettings(), description="Detectors and their thresholds.")
    output: OutputSettings = Field(OutputSettings(), description="Saved artefacts and their retention.")
    image_formats: tuple[str, ...] = Field((".jpg", ".jpeg", ".png"), description=(
        "Image formats accepted (by extension; content is checked too)."))
    timezone: str = Field("Asia/Makassar", description="IANA timezone of every timestamp the service writes.")
    runtime: RuntimeSettings = Field(RuntimeSettings(), description="onnxruntime and thread use.")
    server: ServerSettings = Field(ServerSettings(), description="The gRPC server.")
    limits: LimitSettings = Field(LimitSettings(), description="What an upload may be.")
    video: VideoSettings = Field(VideoSettings(), description="Video tracking.")
    cameras: tuple[CameraSettings, ...] = Field((), description=(
        "Cameras watched from start-up (id, url, sample_fps, roi, exclude)."))
    plates: PlateSettings = Field(PlateSettings(), description="Plate formats and drops.")
    history: HistorySettings = Field(HistorySettings(), description="Read history, watch lists and webhooks.")
    camera_leases: CameraLeaseSettings = Field(CameraLeaseSettings(), description=(
        "Cameras shared among replicas (scale-out)."))
    object_store: ObjectStoreSettings = Field(ObjectStoreSettings(), description=(
        "Artefacts shared among replicas on S3-compatible object storage (scale-out)."))
    base_dir: Path = Field(REPO_ROOT, description=(
        "Directory relative paths are resolved against (default: the working directory)."))

    @field_validator("cameras")
    @classmethod
    def _unique_camera_ids(cls, value: tuple[CameraSettings, ...]) -> tuple[CameraSettings, ...]:
        ids = [c.id for c in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"camera ids must be unique; repeated: {duplicates}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("image_formats")
    @classmethod
    def _dotted_lowercase(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        allowed = {".jpg", ".jpeg", ".png"}
        normalised = tuple(f".{v.lower().lstrip('.')}" for v in value)
        unknown = sorted(set(normalised) - allowed)
        if unknown:
            raise ValueError(f"unsupported image formats {unknown}; allowed: {sorted(allowed)}")
        return normalised

    @property
    def tz(self) -> ZoneInfo:
        """The configured timezone."""
        return ZoneInfo(self.timezone)

    def public_path(self, path: str) -> str:
        """A configured path as answers may show it: relative paths as they are, absolute ones relative
        to base_dir when under it, else only their last component (no absolute paths in answers)."""
        p = Path(path)
        if not p.is_absolute():
            return path
        try:
            return p.relative_to(self.base_dir).as_posix()
        except ValueError:
            return p.name

    def resolve(self, path: str) -> Path:
        """A configured path made absolute against base_dir."""
        p = Path(path)
        return p if p.is_absolute() else self.base_dir / p


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a simple KEY=VALUE .env file (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        values[key] = value.strip().strip("'\"")
    return values


def _apply_env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX):].split("__") if k]
        if not keys:
            continue
        target = data
        for key in keys[:-1]:
            nested = target.setdefault(key, {})
            if not isinstance(nested, dict):
                raise ConfigError(f"{name}: {key!r} is not a section")
            target = nested
        target[keys[-1]] = yaml.safe_load(raw) if raw != "" else ""


def load_settings(
    path: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
) -> Settings:
    """Load, override and validate settings; raise ConfigError with every problem listed."""
    env = dict(os.environ if environ is None else environ)
    config_path = Path(path or env.get(CONFIG_ENV) or DEFAULT_CONFIG)
    try:
        loaded = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {config_path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration file {config_path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"configuration file {config_path} must hold a mapping")
    if isinstance(loaded.get("server"), dict) and "api_keys" in loaded["server"]:
        raise ConfigError("server.api_keys must not be in the config file: set GALAXY_ALPR__SERVER__API_KEYS")
    data: dict[str, Any] = dict(loaded)
    _apply_env_overrides(data, env)
    dotenv_values = read_dotenv(dotenv if dotenv is not None else Path.cwd() / ".env")
    api_key = env.get("GEMINI_API_KEY") or dotenv_values.get("GEMINI_API_KEY", "")
    ocr = data.setdefault("ocr", {})
    if not isinstance(ocr, dict):
        raise ConfigError("ocr: must be a mapping")
    if "api_key" in loaded.get("ocr", {}):
        raise ConfigError("ocr.api_key must not be in the config file: set GEMINI_API_KEY or .env")

    ocr["api_key"] = api_key
    data.setdefault("base_dir", str(Path.cwd()))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration in {config_path}: {problems}") from exc
