"""The unified detector's split of one pass into vehicles and plates."""

from __future__ import annotations

from server.detection.unified import split_detections
from server.domain import Box, Detection


def _det(name: str, conf: float, x: int = 0) -> Detection:
    return Detection(Box(x, 0, x + 10, 10), conf, 0, name)


def test_split_by_class_each_with_its_threshold() -> None:
    found = [_det("car", 0.3), _det("License_Plate", 0.3, 20), _det("truck", 0.6, 40), _det("License_Plate", 0.5, 60),
             _det("person", 0.9, 80)]
    vehicles, plates = split_detections(found, vehicle_classes=("car", "truck"), plate_class="License_Plate",
                                        vehicle_conf=0.25, plate_conf=0.4)
    assert vehicles == [found[0], found[2]]
    assert plates == [found[3]]


def test_split_keeps_nothing_of_unlisted_classes() -> None:
    assert split_detections([_det("bus", 0.9)], vehicle_classes=("car",), plate_class="plate",
                            vehicle_conf=0.1, plate_conf=0.1) == ([], [])
