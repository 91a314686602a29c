"""Draws detections onto a copy of an image."""

from __future__ import annotations

from collections.abc import Sequence

import cv2

from server.domain import Detection, Image

VEHICLE_COLOR = (255, 128, 0)
PLATE_COLOR = (0, 200, 0)


def draw_boxes(image: Image, detections: Sequence[Detection], color: tuple[int, int, int],
               labels: Sequence[str] | None = None) -> Image:
    """A copy of image with each box and its label drawn."""
    canvas = image.copy()
    thickness = max(2, round(max(image.shape[:2]) / 500))
    for i, det in enumerate(detections):
        b = det.box
        cv2.rectangle(canvas, (b.x1, b.y1), (b.x2, b.y2), color, thickness)
        label = labels[i] if labels is not None else f"{det.class_name} {det.confidence:.2f}"
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * thickness / 2, 1)
        top = max(0, b.y1 - th - 6)
        cv2.rectangle(canvas, (b.x1, top), (b.x1 + tw + 4, top + th + 6), color, -1)
        cv2.putText(canvas, label, (b.x1 + 2, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * thickness / 2, (255, 255, 255), 1, cv2.LINE_AA)
    return canvas


def crop(image: Image, det: Detection, padding: int) -> Image:
    """The detection's box grown by padding, clipped to the image."""
    h, w = image.shape[:2]
    b = det.box.padded(padding, w, h)
    return image[b.y1:b.y2, b.x1:b.x2]
