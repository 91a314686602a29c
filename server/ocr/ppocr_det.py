"""PP-OCR text detection (DB): pre-processing, one ONNX run, and DB box post-processing.

Boxes come back as rotated rectangles in the input image's pixel coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from server.domain import Image
from server.ocr.ppocr_rec import make_session

FloatArray = npt.NDArray[np.float32]

# PaddleOCR's DB models were trained on BGR input normalised with the ImageNet statistics.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class TextBox:
    """A detected text region: rotated rectangle (centre, size, angle in degrees) and score."""

    cx: float
    cy: float
    width: float
    height: float
    angle: float
    score: float

    @property
    def top(self) -> float:
        """Smallest y of the box's corners."""
        return float(self.corners()[:, 1].min())

    @property
    def bottom(self) -> float:
        """Largest y of the box's corners."""
        return float(self.corners()[:, 1].max())

    def corners(self) -> FloatArray:
        """The four corners (4, 2) as float32."""
        pts = cv2.boxPoints(((self.cx, self.cy), (self.width, self.height), self.angle))
        return np.asarray(pts, dtype=np.float32)


def normalise_rect(rect: tuple[tuple[float, float], tuple[float, float], float]) -> TextBox:
    """A cv2 rotated rect turned so that width runs along the text (angle within +-45 degrees)."""
    (cx, cy), (w, h), angle = rect
    if angle > 45:
        angle -= 90
        w, h = h, w
    elif angle < -45:
        angle += 90
        w, h = h, w
    return TextBox(float(cx), float(cy), float(w), float(h), float(angle), 0.0)


def db_boxes(
    prob: FloatArray,
    *,
    thresh: float = 0.3,
    box_thresh: float = 0.5,
    unclip_ratio: float = 1.6,
    min_size: float = 3.0,
) -> list[TextBox]:
    """DB post-processing on one probability map (H, W): threshold, contours, score, unclip."""
    bitmap = np.asarray(cv2.dilate((prob > thresh).astype(np.uint8), np.ones((2, 2), np.uint8)), dtype=np.uint8)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[TextBox] = []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if min(w, h) < min_size:
            continue
        mask = np.zeros_like(bitmap)
        cv2.fillPoly(mask, [contour.reshape(-1, 2)], 1)
        score = float(cv2.mean(prob, mask)[0])
        if score < box_thresh:
            continue
        box = normalise_rect(((cx, cy), (w, h), angle))
        # Offset the shrunk kernel outwards by area * ratio / perimeter, as DB training shrank it.
        distance = box.width * box.height * unclip_ratio / max(1e-6, 2 * (box.width + box.height))
        grown = TextBox(box.cx, box.cy, box.width + 2 * distance, box.height + 2 * distance, box.angle, score)
        if min(grown.width, grown.height) < min_size + 2:
            continue
        boxes.append(grown)
    return boxes


class TextDetector:
    """PP-OCR DB text detection model; thread-safe."""

    def __init__(
        self,
        model_path: Path,
        *,
        intra_op_threads: int = 1,
        inter_op_threads: int = 1,
        side: int = 320,
        thresh: float = 0.3,
        box_thresh: float = 0.5,
        unclip_ratio: float = 1.6,
    ) -> None:
        self.session = make_session(model_path, intra_op_threads, inter_op_threads)
        self.input_name = self.session.get_inputs()[0].name
        self.side = side
        self.thresh = thresh
        self.box_thresh = box_thresh
        self.unclip_ratio = unclip_ratio
        self._mean = np.array(IMAGENET_MEAN, dtype=np.float32) * 255.0
        self._scale = 1.0 / (np.array(IMAGENET_STD, dtype=np.float32) * 255.0)

    def _target_size(self, height: int, width: int) -> tuple[int, int]:
        scale = self.side / max(1, height, width)
        return max(32, round(height * scale / 32) * 32), max(32, round(width * scale / 32) * 32)

    def probability_map(self, image: Image) -> FloatArray:
        """The model's text probability map, resized back to the image's size."""
        h, w = image.shape[:2]
        th, tw = self._target_size(h, w)
        resized = cv2.resize(image, (tw, th), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        x = ((resized - self._mean) * self._scale).transpose(2, 0, 1)[np.newaxis]
        out = self.session.run(None, {self.input_name: np.ascontiguousarray(x)})[0]
        prob = np.asarray(out, dtype=np.float32)[0, 0]
        return np.asarray(cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)

    def detect(self, image: Image) -> list[TextBox]:
        """Text boxes in the image, in its pixel coordinates."""
        return db_boxes(
            self.probability_map(image),
            thresh=self.thresh,
            box_thresh=self.box_thresh,
            unclip_ratio=self.unclip_ratio,
        )
