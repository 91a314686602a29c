"""Decode YOLOv8-style outputs with ultralytics' NMS semantics, and map boxes back to the image.

Raw output per image is (4 + nc, N): centre x, centre y, width, height in input pixels, then one
score per class. A candidate keeps its best class when that score is strictly above `conf`;
class-aware NMS (boxes offset by class * 7680, suppress when IoU > iou) keeps at most `max_det`.
End-to-end models (N, 6: x1, y1, x2, y2, score, class) are only filtered, as ultralytics does.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.detection.letterbox import LetterboxParams

MAX_DET = 300
MAX_NMS = 30000
MAX_WH = 7680

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RawDetections:
    """Detections of one image as arrays: xyxy boxes (M, 4), scores (M,), class ids (M,)."""

    boxes: FloatArray
    scores: FloatArray
    class_ids: IntArray

    def __len__(self) -> int:
        return int(self.scores.shape[0])


def empty() -> RawDetections:
    """No detections."""
    return RawDetections(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0,), np.int64))


def xywh_to_xyxy(boxes: FloatArray) -> FloatArray:
    """Centre-size boxes to corner boxes."""
    out = np.empty_like(boxes)
    half_w, half_h = boxes[:, 2] / 2, boxes[:, 3] / 2
    out[:, 0] = boxes[:, 0] - half_w
    out[:, 1] = boxes[:, 1] - half_h
    out[:, 2] = boxes[:, 0] + half_w
    out[:, 3] = boxes[:, 1] + half_h
    return out


def nms(boxes: FloatArray, scores: FloatArray, iou_threshold: float, max_keep: int | None = None) -> IntArray:
    """Greedy NMS: indices kept, best score first; a box is dropped when IoU > threshold."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        best, rest = int(order[0]), order[1:]
        keep.append(best)
        if not rest.size or len(keep) == max_keep:
            break
        xx1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        union = areas[best] + areas[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(
    boxes: FloatArray, scores: FloatArray, class_ids: IntArray, iou_threshold: float, max_keep: int | None = None
) -> IntArray:
    """Class-aware NMS: boxes of different classes never suppress each other."""
    offsets = class_ids.astype(np.float32)[:, None] * np.float32(MAX_WH)
    return nms(boxes + offsets, scores, iou_threshold, max_keep)


def decode(
    output: FloatArray,
    conf: float,
    iou: float,
    *,
    classes: Collection[int] | None = None,
    max_det: int = MAX_DET,
) -> RawDetections:
    """Detections in input-pixel coordinates from one image's (4 + nc, N) output."""
    scores_all = output[4:]
    if scores_all.shape[0] == 0:
        raise ValueError(f"output must have at least 5 rows, got shape {output.shape}")
    candidates = np.flatnonzero(scores_all.max(axis=0) > conf)
    class_ids = scores_all[:, candidates].argmax(axis=0).astype(np.int64)
    scores = scores_all[class_ids, candidates].astype(np.float32)
    if classes is not None:
        allowed = np.isin(class_ids, np.fromiter(classes, dtype=np.int64))
        candidates, class_ids, scores = candidates[allowed], class_ids[allowed], scores[allowed]
    if not candidates.size:
        return empty()
    boxes = xywh_to_xyxy(output[:4, candidates].T.astype(np.float32))
    if scores.shape[0] > MAX_NMS:
        top = np.argsort(-scores, kind="stable")[:MAX_NMS]
        boxes, scores, class_ids = boxes[top], scores[top], class_ids[top]
    kept = batched_nms(boxes, scores, class_ids, iou, max_det)
    return RawDetections(boxes[kept], scores[kept], class_ids[kept])


def decode_end2end(
    output: FloatArray, conf: float, *, classes: Collection[int] | None = None, max_det: int = MAX_DET
) -> RawDetections:
    """Detections from one image's end-to-end (N, 6) output, already NMS-free."""
    keep = output[:, 4] > conf
    class_ids = output[:, 5].astype(np.int64)
    if classes is not None:
        keep &= np.isin(class_ids, np.fromiter(classes, dtype=np.int64))
    rows = np.flatnonzero(keep)[:max_det]
    return RawDetections(output[rows, :4].astype(np.float32), output[rows, 4].astype(np.float32), class_ids[rows])


def scale_to_original(detections: RawDetections, params: LetterboxParams) -> RawDetections:
    """Boxes moved from the network input back to the original image, clipped to it."""
    boxes = detections.boxes.copy()
    boxes[:, [0, 2]] = (boxes[:, [0, 2]] - params.left) / params.gain_x
    boxes[:, [1, 3]] = (boxes[:, [1, 3]] - params.top) / params.gain_y
    height, width = params.original
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, width)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, height)
    return RawDetections(boxes, detections.scores, detections.class_ids)


def to_int_boxes(boxes: FloatArray) -> npt.NDArray[np.int64]:
    """Pixel boxes rounded to the nearest integer."""
    return np.rint(boxes).astype(np.int64)
