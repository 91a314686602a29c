"""Pairs plates with vehicles by containment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.domain import Detection

MIN_CONTAINMENT = 0.5
PAIRING_METHOD = "containment"


@dataclass(frozen=True)
class Pair:
    """One entry of the paired detections: a vehicle, a plate, or both."""

    vehicle_index: int | None  # index into the vehicles sequence
    plate_index: int | None  # index into the plates sequence
    confidence: float

    @property
    def detection_type(self) -> str:
        """vehicle_with_plate, vehicle_without_plate or plate_without_vehicle."""
        if self.vehicle_index is not None and self.plate_index is not None:
            return "vehicle_with_plate"
        if self.vehicle_index is not None:
            return "vehicle_without_plate"
        return "plate_without_vehicle"

    @property
    def method(self) -> str:
        """"containment" for a pair, "none" otherwise."""
        return PAIRING_METHOD if self.detection_type == "vehicle_with_plate" else "none"


def containment(plate: Detection, vehicle: Detection) -> float:
    """Share of the plate's box inside the vehicle's box (0..1)."""
    area = plate.box.area
    return plate.box.intersection(vehicle.box) / area if area else 0.0


def _lower_half_bonus(plate: Detection, vehicle: Detection) -> float:
    """Plates sit in the lower part of a vehicle; prefers that vehicle when boxes overlap."""
    centre_y = (plate.box.y1 + plate.box.y2) / 2
    relative = (centre_y - vehicle.box.y1) / max(1, vehicle.box.height)
    return 1.0 if relative >= 0.4 else 0.0


def pair(vehicles: Sequence[Detection], plates: Sequence[Detection]) -> list[Pair]:
    """At most one plate per vehicle and one vehicle per plate, best containment first.

    Among overlapping vehicles that contain a plate equally, the one where the plate sits
    low, then the smaller (nearer, e.g. a motorcycle in front of a bus) wins.
    """
    scored: list[tuple[float, float, int, int, int]] = []
    for pi, plate in enumerate(plates):
        for vi, vehicle in enumerate(vehicles):
            share = containment(plate, vehicle)
            if share >= MIN_CONTAINMENT:
                scored.append((round(share, 2), _lower_half_bonus(plate, vehicle), -vehicle.box.area, vi, pi))
    scored.sort(reverse=True)
    vehicle_to_plate: dict[int, tuple[int, float]] = {}
    used_plates: set[int] = set()
    for _share, _bonus, _area, vi, pi in scored:
        if vi in vehicle_to_plate or pi in used_plates:
            continue
        vehicle_to_plate[vi] = (pi, containment(plates[pi], vehicles[vi]))
        used_plates.add(pi)
    pairs: list[Pair] = []
    for vi in range(len(vehicles)):
        if vi in vehicle_to_plate:
            pi, share = vehicle_to_plate[vi]
            pairs.append(Pair(vi, pi, round(share, 4)))
    pairs.extend(Pair(vi, None, 0.0) for vi in range(len(vehicles)) if vi not in vehicle_to_plate)
    pairs.extend(Pair(None, pi, 0.0) for pi in range(len(plates)) if pi not in used_plates)
    return pairs
