"""Labels of the unified detector: class ids, merging teacher and ground-truth boxes, YOLO label lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Class ids of the unified network; the plate name is the one the plate detectors carry.
VEHICLE_CLASSES: tuple[str, ...] = ("car", "motorcycle", "bus", "truck")
PLATE_NAME = "License_Plate"
CLASS_NAMES: dict[int, str] = {**dict(enumerate(VEHICLE_CLASSES)), len(VEHICLE_CLASSES): PLATE_NAME}
PLATE_CLASS = len(VEHICLE_CLASSES)
# Two teacher boxes of different vehicle classes this close are one object.
SAME_VEHICLE_IOU = 0.7
# A pseudo-labelled plate overlapping a labelled one this much is the same plate.
SAME_PLATE_IOU = 0.1
MIN_SIDE = 2

PixelBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class LabelBox:
    """One training box in pixels with its unified class id."""

    box: PixelBox
    class_id: int


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two [x1, y1, x2, y2] boxes (0 when either is empty)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def merge_labels(
    plates: Sequence[PixelBox],
    vehicles: Sequence[tuple[PixelBox, str, float]],
    pseudo_plates: Sequence[tuple[PixelBox, float]],
) -> list[LabelBox]:
    """Labelled plates, plus pseudo plates that overlap none of them, plus teacher vehicles (one class per object).

    `vehicles` are (box, class name, confidence) from the teacher; names outside VEHICLE_CLASSES are
    dropped; of two vehicles with IoU >= SAME_VEHICLE_IOU the more confident is kept (the COCO model
    often calls one pickup both car and truck, and two classes on one object would teach neither).
    """
    by_name = {name: cid for cid, name in CLASS_NAMES.items()}
    labels = [LabelBox(tuple(p), PLATE_CLASS) for p in plates]  # type: ignore[arg-type]
    for box, _ in sorted(pseudo_plates, key=lambda item: -item[1]):
        if all(box_iou(box, other.box) < SAME_PLATE_IOU for other in labels):
            labels.append(LabelBox(tuple(box), PLATE_CLASS))  # type: ignore[arg-type]
    kept: list[tuple[PixelBox, int]] = []
    for box, name, _ in sorted(vehicles, key=lambda item: -item[2]):
        if name not in VEHICLE_CLASSES:
            continue
        if all(box_iou(box, other) < SAME_VEHICLE_IOU for other, _ in kept):
            kept.append((tuple(box), by_name[name]))  # type: ignore[arg-type]
    labels.extend(LabelBox(box, cid) for box, cid in kept)
    return labels


def scale_boxes(boxes: Sequence[LabelBox], sx: float, sy: float) -> list[LabelBox]:
    """Boxes of an image resized by (sx, sy)."""
    return [
        LabelBox((round(b.box[0] * sx), round(b.box[1] * sy), round(b.box[2] * sx), round(b.box[3] * sy)), b.class_id)
        for b in boxes
    ]


def yolo_lines(boxes: Sequence[LabelBox], width: int, height: int) -> list[str]:
    """YOLO label lines `cls cx cy w h` (normalised) for pixel boxes, clipped to the image; slivers dropped."""
    lines = []
    for label in boxes:
        x1, y1, x2, y2 = label.box
        x1, x2 = max(0, min(x1, width)), max(0, min(x2, width))
        y1, y2 = max(0, min(y1, height)), max(0, min(y2, height))
        if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
            continue
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        lines.append(f"{label.class_id} {cx:.6f} {cy:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}")
    return lines
