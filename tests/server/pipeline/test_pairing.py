from __future__ import annotations

from server.domain import Box, Detection
from server.pipeline.pairing import containment, pair


def det(x1: int, y1: int, x2: int, y2: int, name: str = "car") -> Detection:
    return Detection(Box(x1, y1, x2, y2), 0.9, 0, name)


def test_containment_is_share_of_plate_inside_vehicle() -> None:
    assert containment(det(10, 10, 20, 20), det(0, 0, 100, 100)) == 1.0
    assert containment(det(90, 10, 110, 20), det(0, 0, 100, 100)) == 0.5
    assert containment(det(200, 200, 210, 210), det(0, 0, 100, 100)) == 0.0


def test_one_plate_per_vehicle_and_leftovers_reported() -> None:
    vehicles = [det(0, 0, 100, 100), det(300, 0, 400, 100)]
    plates = [det(40, 70, 60, 80, "plate"), det(45, 60, 55, 65, "plate"), det(600, 600, 620, 610, "plate")]
    pairs = pair(vehicles, plates)
    types = [p.detection_type for p in pairs]
    assert types.count("vehicle_with_plate") == 1
    assert types.count("vehicle_without_plate") == 1
    assert types.count("plate_without_vehicle") == 2
    with_plate = next(p for p in pairs if p.detection_type == "vehicle_with_plate")
    assert with_plate.vehicle_index == 0 and with_plate.method == "containment"
    assert with_plate.confidence == 1.0


def test_overlapping_vehicles_prefer_smaller_vehicle_where_plate_sits_low() -> None:
    bus = det(0, 0, 500, 400, "bus")
    motorcycle = det(200, 200, 300, 390, "motorcycle")
    plate = det(230, 340, 270, 360, "plate")
    pairs = pair([bus, motorcycle], [plate])
    paired = next(p for p in pairs if p.plate_index == 0)
    assert paired.vehicle_index == 1


def test_partially_contained_plate_below_threshold_is_unpaired() -> None:
    pairs = pair([det(0, 0, 100, 100)], [det(95, 50, 135, 60, "plate")])
    assert {p.detection_type for p in pairs} == {"vehicle_without_plate", "plate_without_vehicle"}
    assert all(p.method == "none" for p in pairs)
