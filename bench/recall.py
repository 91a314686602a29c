"""Plate recall against labelled boxes (IoU >= 0.5) and exact-read rate against labelled text."""

from __future__ import annotations

from collections.abc import Sequence

from server.domain import Box

IOU_THRESHOLD = 0.5


def matched(labels: Sequence[Box], predicted: Sequence[Box], threshold: float = IOU_THRESHOLD) -> list[int | None]:
    """For each label, the index of the best-overlapping prediction with IoU >= threshold (greedy, one-to-one)."""
    taken: set[int] = set()
    out: list[int | None] = []
    for label in labels:
        best, best_iou = None, threshold
        for i, box in enumerate(predicted):
            if i in taken:
                continue
            iou = label.iou(box)
            if iou >= best_iou:
                best, best_iou = i, iou
        if best is not None:
            taken.add(best)
        out.append(best)
    return out


def scale_box(box: Box, factor: float) -> Box:
    """A box in a resized image's pixels mapped by factor (e.g. 2.0 from a half-size decode)."""
    return Box(round(box.x1 * factor), round(box.y1 * factor), round(box.x2 * factor), round(box.y2 * factor))


def offset_box(box: Box, dx: int, dy: int) -> Box:
    """A box in a crop's pixels moved into the full image's pixels."""
    return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)


def suppress_duplicates(boxes: Sequence[tuple[Box, float]], iou: float = 0.5) -> list[tuple[Box, float]]:
    """Greedy NMS over (box, confidence) pairs: plates found in two overlapping vehicle crops count once."""
    kept: list[tuple[Box, float]] = []
    for box, conf in sorted(boxes, key=lambda bc: bc[1], reverse=True):
        if all(box.iou(k) < iou for k, _ in kept):
            kept.append((box, conf))
    return kept
