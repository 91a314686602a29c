"""Label merging of the unified detector's training set: teacher vehicles, labelled and pseudo plates."""

from __future__ import annotations

import pytest

from training.unified_labels import (
    CLASS_NAMES,
    PLATE_CLASS,
    LabelBox,
    box_iou,
    merge_labels,
    scale_boxes,
    yolo_lines,
)


def test_class_ids_are_the_four_vehicles_then_the_plate() -> None:
    assert CLASS_NAMES == {0: "car", 1: "motorcycle", 2: "bus", 3: "truck", 4: "License_Plate"}
    assert PLATE_CLASS == 4


def test_box_iou() -> None:
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)


def test_labelled_plate_wins_over_a_pseudo_plate_on_it() -> None:
    labels = merge_labels([(10, 10, 50, 20)], [], [((12, 10, 52, 21), 0.9), ((200, 200, 240, 212), 0.7)])
    assert labels == [LabelBox((10, 10, 50, 20), PLATE_CLASS), LabelBox((200, 200, 240, 212), PLATE_CLASS)]


def test_overlapping_pseudo_plates_keep_the_more_confident() -> None:
    labels = merge_labels([], [], [((0, 0, 40, 10), 0.6), ((1, 0, 41, 10), 0.8)])
    assert labels == [LabelBox((1, 0, 41, 10), PLATE_CLASS)]


def test_one_class_per_vehicle_the_more_confident() -> None:
    vehicles = [((0, 0, 100, 80), "car", 0.5), ((2, 1, 100, 80), "truck", 0.7), ((150, 0, 200, 90), "motorcycle", 0.4)]
    labels = merge_labels([], vehicles, [])
    assert labels == [LabelBox((2, 1, 100, 80), 3), LabelBox((150, 0, 200, 90), 1)]


def test_non_vehicle_teacher_classes_are_dropped() -> None:
    assert merge_labels([], [((0, 0, 10, 10), "person", 0.9)], []) == []


def test_a_plate_inside_a_car_is_kept_beside_it() -> None:
    labels = merge_labels([(40, 60, 70, 70)], [((0, 0, 100, 80), "car", 0.9)], [])
    assert labels == [LabelBox((40, 60, 70, 70), PLATE_CLASS), LabelBox((0, 0, 100, 80), 0)]


def test_yolo_lines_normalise_clip_and_drop_slivers() -> None:
    lines = yolo_lines([LabelBox((-10, 0, 50, 20), 0), LabelBox((90, 5, 91, 9), 4)], 100, 40)
    assert lines == ["0 0.250000 0.250000 0.500000 0.500000"]


def test_scale_boxes() -> None:
    assert scale_boxes([LabelBox((10, 10, 20, 40), 2)], 2.0, 0.5) == [LabelBox((20, 5, 40, 20), 2)]
