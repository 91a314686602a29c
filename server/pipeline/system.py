"""Health, model reports and uptime: what the system endpoints say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from server.config import Settings
from server.ocr.base import OcrProvider, ProviderStatus
from server.pipeline.pairing import PAIRING_METHOD
from server.pipeline.ports import DetectorLike
from server.storage.artefacts import StorageReport

PIPELINE_NAME = "ALPR Core Pipeline"


@dataclass(frozen=True)
class ModelReport:
    """One detector's state."""

    loaded: bool
    path: str
    classes: dict[int, str] = field(default_factory=dict)
    providers: tuple[str, ...] = ()
    source: str = ""
    error: str = ""


@dataclass(frozen=True)
class HealthReport:
    """Whether every stage can run, and why not."""

    healthy: bool
    models_loaded: dict[str, bool]
    issues: tuple[str, ...]
    # Every stage can run but something is wrong (storage, a reader's circuit open): "degraded".
    degraded: bool = False
    storage: StorageReport | None = None

    @property
    def status(self) -> str:
        """"healthy" or "degraded"."""
        return "healthy" if self.healthy and not self.degraded else "degraded"


@dataclass(frozen=True)
class StageDescription:
    """One stage of the pipeline as /pipeline/info describes it."""

    name: str
    model: str
    description: str
    model_source: str = ""
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PipelineDescription:
    """The stages, their models and providers, and the limits the service applies."""

    name: str
    stages: tuple[StageDescription, ...]
    execution_providers: tuple[str, ...]
    ocr_provider: str
    pairing_method: str
    supported_formats: tuple[str, ...]
    max_image_bytes: int
    min_scene_width: int
    min_scene_height: int
    max_batch_images: int
    timezone: str
    max_video_bytes: int


def _not_configured(name: str) -> ProviderStatus:
    return ProviderStatus(name=name, available=False, status="not_configured")


class SystemStatus:
    """Knows what is loaded and since when."""

    def __init__(
        self,
        *,
        vehicle_detector: DetectorLike | None,
        plate_detector: DetectorLike | None,
        gemini: OcrProvider | None,
        local_ocr: OcrProvider | None,
        model_paths: dict[str, str],
        load_errors: dict[str, str],
        now: Callable[[], datetime],
        storage: Callable[[], StorageReport] | None = None,
        base_dir: Path | None = None,
    ) -> None:
        self._detectors = {"vehicle_detector": vehicle_detector, "plate_detector": plate_detector}
        self._gemini = gemini
        self._local = local_ocr
        self._paths = model_paths
        self._errors = load_errors
        self._now = now
        self._storage = storage
        self._base_dir = base_dir
        self.started_at = now()

    def _public(self, path: str) -> str:
        """A model path as answers show it: relative to base_dir, else its file name (no absolute paths)."""
        if not path:
            return ""
        p = Path(path)
        if self._base_dir is not None:
            try:
                return p.resolve().relative_to(self._base_dir.resolve()).as_posix()
            except ValueError:
                pass
        return p.name

    def uptime_seconds(self) -> float:
        """Seconds since start-up."""
        return (self._now() - self.started_at).total_seconds()

    def model(self, name: str) -> ModelReport:
        """Report of "vehicle_detector" or "plate_detector"."""
        det = self._detectors[name]
        if det is None:
            return ModelReport(loaded=False, path=self._public(self._paths.get(name, "")),
                               error=self._errors.get(name, "not loaded").replace(
                                   self._paths.get(name, "") or "\0", self._public(self._paths.get(name, ""))))
        info = det.info
        return ModelReport(loaded=True, path=self._public(str(info.path)), classes=dict(info.classes),
                           providers=tuple(info.providers), source=info.source)

    def gemini_status(self) -> ProviderStatus:
        """Gemini's state (never a network call)."""
        return self._gemini.status() if self._gemini is not None else _not_configured("gemini")

    def local_ocr_status(self) -> ProviderStatus:
        """The local reader's state."""
        if self._local is None:
            return ProviderStatus(name="local", available=False, status="unavailable",
                                  error=self._errors.get("local_ocr", "not loaded"))
        return self._local.status()

    def health(self) -> HealthReport:
        """Healthy when every stage can run: both detectors and at least one OCR provider."""
        gemini, local = self.gemini_status(), self.local_ocr_status()
        loaded = {
            "vehicle_detector": self._detectors["vehicle_detector"] is not None,
            "plate_detector": self._detectors["plate_detector"] is not None,
            "gemini_ocr": gemini.available,
            "local_ocr": local.available,
        }
        issues = [f"{name}: {self._errors.get(name, 'not loaded')}" for name in self._detectors
                  if not loaded[name]]
        if not local.available:
            issues.append(f"local_ocr: {local.error or local.status}")
        if gemini.status not in ("not_configured",) and not gemini.available:
            issues.append(f"gemini_ocr: {gemini.error or gemini.status}")
        healthy = loaded["vehicle_detector"] and loaded["plate_detector"] and (
            loaded["gemini_ocr"] or loaded["local_ocr"])
        storage = self._storage() if self._storage is not None else None
        degraded = False
        if storage is not None and storage.error:
            issues.append(f"storage: {storage.error}")
            degraded = True
        if gemini.status == "circuit_open":
            degraded = True
        return HealthReport(healthy=healthy, models_loaded=loaded, issues=tuple(issues), degraded=degraded,
                            storage=storage)

    def describe_pipeline(self, settings: Settings) -> PipelineDescription:
        """What /pipeline/info says: each stage's model and what it does, providers and limits."""
        vehicle, plate = self.model("vehicle_detector"), self.model("plate_detector")
        gemini, local = self.gemini_status(), self.local_ocr_status()
        ocr_model = ", ".join(x for x in (local.model_name if local.available else "",
                                          gemini.model_name if gemini.available else "") if x)
        stages = (
            StageDescription("vehicle_detection", vehicle.path, "YOLO vehicle detector (ONNX)",
                             vehicle.source, tuple(vehicle.classes.values())),
            StageDescription("plate_detection", plate.path, "YOLO licence plate detector (ONNX)",
                             plate.source, tuple(plate.classes.values())),
            StageDescription("plate_recognition", ocr_model,
                             "OCR + Indonesian plate rules, colours and region mapping", settings.ocr.provider),
            StageDescription("pairing", PAIRING_METHOD, "plate-in-vehicle box containment"),
        )
        limits = settings.limits
        return PipelineDescription(
            name=PIPELINE_NAME, stages=stages, execution_providers=tuple(vehicle.providers or plate.providers),
            ocr_provider=settings.ocr.provider, pairing_method=PAIRING_METHOD,
            supported_formats=tuple(settings.image_formats), max_image_bytes=limits.max_image_bytes,
            min_scene_width=limits.min_scene_width, min_scene_height=limits.min_scene_height,
            max_batch_images=limits.max_batch_images, timezone=settings.timezone,
            max_video_bytes=limits.max_video_bytes,
        )
