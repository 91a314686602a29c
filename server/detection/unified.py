"""One network for vehicles and plates: a single pass split by class, and per-class views of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from server.detection.onnx_detector import ModelInfo, OnnxDetector
from server.domain import Detection, Image


def split_detections(
    found: Sequence[Detection],
    *,
    vehicle_classes: Sequence[str],
    plate_class: str,
    vehicle_conf: float,
    plate_conf: float,
) -> tuple[list[Detection], list[Detection]]:
    """Vehicles and plates of one pass, each kept above its own confidence threshold, order preserved."""
    wanted = frozenset(vehicle_classes)
    vehicles = [d for d in found if d.class_name in wanted and d.confidence >= vehicle_conf]
    plates = [d for d in found if d.class_name == plate_class and d.confidence >= plate_conf]
    return vehicles, plates


@dataclass(frozen=True)
class ClassView:
    """The detections of some classes of a shared detector: looks like a detector of its own.

    The single-stage endpoints (vehicles only, plates only), the plate search inside vehicles and the
    status report use these; the full pipeline calls `UnifiedDetector.detect_both` once instead.
    """

    detector: OnnxDetector
    classes: frozenset[str]

    @property
    def info(self) -> ModelInfo:
        """The shared model's info with only this view's classes."""
        base = self.detector.info
        return replace(base, classes={cid: name for cid, name in base.classes.items() if name in self.classes})

    def detect(self, image: Image, conf: float, iou: float) -> list[Detection]:
        """This view's classes in one BGR image."""
        return [d for d in self.detector.detect(image, conf, iou) if d.class_name in self.classes]

    def detect_batch(self, images: Sequence[Image], conf: float, iou: float, *,
                     size: int | None = None) -> list[list[Detection]]:
        """This view's classes in each image (one inference where the model allows)."""
        return [[d for d in dets if d.class_name in self.classes]
                for dets in self.detector.detect_batch(images, conf, iou, size=size)]


class UnifiedDetector:
    """One YOLO model serving vehicles and plates; one inference per image for both."""

    def __init__(self, detector: OnnxDetector, *, vehicle_classes: Sequence[str], plate_class: str) -> None:
        self.detector = detector
        self.vehicle_classes = tuple(vehicle_classes)
        self.plate_class = plate_class
        self.vehicles = ClassView(detector, frozenset(self.vehicle_classes))
        self.plates = ClassView(detector, frozenset({plate_class}))

    @property
    def info(self) -> ModelInfo:
        """What the shared model is."""
        return self.detector.info

    def detect_both(
        self, image: Image, *, vehicle_conf: float, plate_conf: float, iou: float
    ) -> tuple[list[Detection], list[Detection]]:
        """Vehicles and plates of one image from a single pass."""
        found = self.detector.detect(image, min(vehicle_conf, plate_conf), iou)
        return split_detections(found, vehicle_classes=self.vehicle_classes, plate_class=self.plate_class,
                                vehicle_conf=vehicle_conf, plate_conf=plate_conf)
