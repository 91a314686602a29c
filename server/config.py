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
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from server.errors import ConfigError

ENV_PREFIX = "GALAXY_ALPR__"
CONFIG_ENV = "GALAXY_ALPR_CONFIG"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelsSettings(_Frozen):
    vehicle_detector: str = "models/vehicle_detector_int8.onnx"
    plate_detector: str = "models/plate_detector.onnx"
    plate_recognizer: str = "models/plate_recognizer.onnx"


class OcrSettings(_Frozen):
    provider: Literal["auto", "gemini", "local"] = "auto"
    # The offline reader: our plate recognizer with PP-OCR for the plates it is unsure of, or PP-OCR alone.
    local_reader: Literal["cascade", "ppocr"] = "cascade"
    # Recognizer reads below this least-character probability go to PP-OCR (cascade only).
    recognizer_min_confidence: float = Field(0.8, ge=0, le=1)
    model_name: str = "gemini-3.1-flash-lite"
    timeout_s: float = Field(10.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    rate_limit_per_minute: int = Field(30, ge=1)
    max_concurrency: int = Field(4, ge=1)
    gemini_base_url: str = ""
    api_key: SecretStr = SecretStr("")

    @property
    def api_key_configured(self) -> bool:
        """True when a Gemini key is set."""
        return bool(self.api_key.get_secret_value())


class DetectionSettings(_Frozen):
    vehicle_confidence_threshold: float = Field(0.25, ge=0, le=1)
    plate_confidence_threshold: float = Field(0.25, ge=0, le=1)
    vehicle_padding: int = Field(25, ge=0)
    plate_padding: int = Field(25, ge=0)
    iou_threshold: float = Field(0.45, gt=0, le=1)
    # Vehicles (largest first) whose crops are searched again when the whole image shows no plate in them.
    plate_search_max_vehicles: int = Field(1, ge=0)
    # The plate detector's input: "square" letterboxes to 640x640; "rect" pads only to the stride
    # (1280x720 -> 640x384, about 40% less work; needs a model exported with a dynamic input size).
    plate_input: Literal["square", "rect"] = "square"
    vehicle_classes: tuple[str, ...] = ("car", "motorcycle", "bus", "truck")


class OutputSettings(_Frozen):
    save_detected_images: bool = True
    root_dir: str = "images_processed"
    uploaded_vehicle_image_dir: str = "images_processed/uploaded_vehicle_images"
    detected_vehicle_image_dir: str = "images_processed/detected_vehicle_images"
    cropped_vehicle_image_dir: str = "images_processed/cropped_vehicle_images"
    uploaded_plate_image_dir: str = "images_processed/uploaded_plate_images"
    detected_plate_image_dir: str = "images_processed/detected_plate_images"
    cropped_plate_image_dir: str = "images_processed/cropped_plate_images"
    results_dir: str = "images_processed/results"


class RuntimeSettings(_Frozen):
    intra_op_threads: int = Field(2, ge=0)
    inter_op_threads: int = Field(1, ge=0)
    execution_providers: tuple[str, ...] = ()
    # The full pipeline runs its vehicle and plate detectors at the same time (two threads per image).
    concurrent_detectors: bool = True
    # onnxruntime I/O binding for the detectors: auto = on when the session runs on CUDA/TensorRT.
    io_binding: Literal["auto", "on", "off"] = "auto"


class ServerSettings(_Frozen):
    host: str = "0.0.0.0"
    port: int = Field(50051, ge=0, le=65535)
    # gRPC threads: requests and streams served at once (each mostly waits on the stage pool).
    max_workers: int = Field(8, ge=1)
    # Threads that run pipeline stages (decode, inference, OCR, saving); 0: one per CPU core. More than
    # the cores only adds memory (each thread grows its own onnxruntime arenas) and contention.
    stage_workers: int = Field(0, ge=0)
    # Images of one stream worked on at once (decode/save of one overlaps inference of another).
    stream_window: int = Field(2, ge=1)
    grace_period_s: float = Field(10.0, ge=0)


    @property
    def stage_threads(self) -> int:
        """The stage pool's size: stage_workers, or the CPU count when it is 0."""
        return self.stage_workers or max(1, os.cpu_count() or 1)


class LimitSettings(_Frozen):
    max_image_bytes: int = Field(20 * 1024 * 1024, ge=1)
    min_scene_width: int = Field(224, ge=1)
    min_scene_height: int = Field(224, ge=1)
    max_batch_images: int = Field(10, ge=1)


class HistorySettings(_Frozen):
    """Read history, watch lists and webhook alerts (server/history)."""

    enabled: bool = True
    # A SQLAlchemy URL; empty: the SQLite file <output.root_dir>/history.db. PostgreSQL:
    # postgresql://user:password@host:5432/dbname (several replicas may share one).
    database_url: str = ""
    # Signs every webhook body (header X-Galaxy-Signature: sha256=<hex HMAC-SHA256>) when set.
    webhook_secret: SecretStr = SecretStr("")
    webhook_timeout_s: float = Field(5.0, gt=0)
    webhook_max_attempts: int = Field(30, ge=1)
    webhook_backoff_s: float = Field(1.0, gt=0)
    webhook_max_backoff_s: float = Field(60.0, gt=0)
    # Reads (and their artefact files) older than this are deleted; 0 keeps them for ever.
    retention_days: int = Field(0, ge=0)
    retention_interval_s: float = Field(3600.0, gt=0)
    # "all": keep every image; "watchlist": keep images only when a plate matches a watch-list entry.
    keep_images: Literal["all", "watchlist"] = "all"


class Settings(_Frozen):
    """Everything the server needs, validated."""

    models: ModelsSettings = ModelsSettings()
    ocr: OcrSettings = OcrSettings()
    detection: DetectionSettings = DetectionSettings()
    output: OutputSettings = OutputSettings()
    image_formats: tuple[str, ...] = (".jpg", ".jpeg", ".png")
    timezone: str = "Asia/Makassar"
    runtime: RuntimeSettings = RuntimeSettings()
    server: ServerSettings = ServerSettings()
    limits: LimitSettings = LimitSettings()
    history: HistorySettings = HistorySettings()
    base_dir: Path = REPO_ROOT

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
