"""Decoding, NMS and box mapping on hand-built YOLOv8 outputs."""

from __future__ import annotations

import numpy as np
import pytest

from server.detection.letterbox import letterbox_params
from server.detection.postprocess import (
    RawDetections,
    batched_nms,
    decode,
    decode_end2end,
    nms,
    scale_to_original,
    to_int_boxes,
    xywh_to_xyxy,
)


def raw_output(rows: list[tuple[float, float, float, float, list[float]]]) -> np.ndarray:
    """(4 + nc, N) from (cx, cy, w, h, class scores) rows."""
    return np.array([[cx, cy, w, h, *scores] for cx, cy, w, h, scores in rows], np.float32).T


def test_xywh_to_xyxy() -> None:
    boxes = xywh_to_xyxy(np.array([[50, 40, 20, 10]], np.float32))
    assert boxes.tolist() == [[40, 35, 60, 45]]


def test_overlapping_boxes_of_one_class_keep_the_best() -> None:
    out = raw_output([(50, 50, 20, 20, [0.6, 0.0]), (51, 50, 20, 20, [0.9, 0.0]), (200, 200, 10, 10, [0.5, 0.1])])
    result = decode(out, conf=0.25, iou=0.45)
    assert result.scores.tolist() == pytest.approx([0.9, 0.5])
    assert result.class_ids.tolist() == [0, 0]
    assert result.boxes[0].tolist() == pytest.approx([41, 40, 61, 60])


def test_nms_is_class_aware() -> None:
    out = raw_output([(50, 50, 20, 20, [0.9, 0.0]), (50, 50, 20, 20, [0.0, 0.8])])
    result = decode(out, conf=0.25, iou=0.45)
    assert sorted(result.class_ids.tolist()) == [0, 1]


def test_each_box_keeps_only_its_best_class() -> None:
    out = raw_output([(50, 50, 20, 20, [0.7, 0.8])])
    result = decode(out, conf=0.25, iou=0.45)
    assert result.class_ids.tolist() == [1]
    assert result.scores.tolist() == pytest.approx([0.8])


def test_confidence_must_be_strictly_above_the_threshold() -> None:
    out = raw_output([(50, 50, 20, 20, [0.25, 0.0]), (150, 50, 20, 20, [0.2500001, 0.0])])
    assert len(decode(out, conf=0.25, iou=0.45)) == 1


def test_iou_exactly_at_the_threshold_is_kept() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 5]], np.float32)
    assert nms(boxes, np.array([0.9, 0.8], np.float32), 0.5).tolist() == [0, 1]
    assert nms(boxes, np.array([0.9, 0.8], np.float32), 0.49).tolist() == [0]


def test_class_filter_applies_before_nms() -> None:
    out = raw_output([(50, 50, 20, 20, [0.9, 0.0, 0.0]), (52, 50, 20, 20, [0.0, 0.0, 0.7])])
    result = decode(out, conf=0.25, iou=0.45, classes={2})
    assert result.class_ids.tolist() == [2]


def test_max_det_keeps_the_best() -> None:
    rows = [(i * 30.0 + 15, 15.0, 10.0, 10.0, [0.3 + i / 100]) for i in range(20)]
    result = decode(raw_output(rows), conf=0.25, iou=0.45, max_det=5)
    assert len(result) == 5
    assert result.scores.min() == pytest.approx(0.45)


def test_nothing_above_threshold() -> None:
    result = decode(raw_output([(50, 50, 20, 20, [0.1])]), conf=0.25, iou=0.45)
    assert len(result) == 0 and result.boxes.shape == (0, 4)


def test_end2end_output_is_only_filtered() -> None:
    out = np.array([[0, 0, 10, 10, 0.9, 1], [0, 0, 10, 10, 0.8, 1], [5, 5, 9, 9, 0.1, 0]], np.float32)
    result = decode_end2end(out, conf=0.25)
    assert result.scores.tolist() == pytest.approx([0.9, 0.8])
    assert len(decode_end2end(out, conf=0.25, classes={0})) == 0


def test_boxes_map_back_to_the_original_image_and_are_clipped() -> None:
    params = letterbox_params((480, 640), (640, 640))  # top pad 80, scale 1
    raw = RawDetections(
        np.array([[10, 90, 110, 190], [-5, 60, 700, 600]], np.float32),
        np.array([0.9, 0.8], np.float32),
        np.array([0, 0]),
    )
    mapped = scale_to_original(raw, params)
    assert mapped.boxes.tolist() == [[10, 10, 110, 110], [0, 0, 640, 480]]


def test_boxes_are_scaled_by_each_axis_gain() -> None:
    params = letterbox_params((1080, 1920), (640, 640))  # 360x640 inside, top pad 140
    raw = RawDetections(np.array([[64, 176, 128, 212]], np.float32), np.array([0.5], np.float32), np.array([0]))
    box = scale_to_original(raw, params).boxes[0]
    assert box.tolist() == pytest.approx([192, 108, 384, 216])
    assert to_int_boxes(np.array([[1.4, 1.5, 2.6, 3.49]], np.float32)).tolist() == [[1, 2, 3, 3]]


def test_nms_matches_torchvision_on_random_boxes() -> None:
    ops = pytest.importorskip("torchvision.ops", reason="torchvision is not installed ([export] extra)")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 300, (400, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + rng.uniform(5, 80, (400, 2)).astype(np.float32)], axis=1)
    scores = rng.uniform(0, 1, 400).astype(np.float32)
    classes = rng.integers(0, 3, 400)
    ours = batched_nms(boxes, scores, classes, 0.45)
    offset = torch.from_numpy(classes.astype(np.float32))[:, None] * 7680
    theirs = ops.nms(torch.from_numpy(boxes) + offset, torch.from_numpy(scores), 0.45).numpy()
    assert ours.tolist() == theirs.tolist()
