"""A second look for plates inside vehicles where the whole-image pass found none.

A plate that is small in a large photo shrinks further when the photo is letterboxed to the
detector's input; the vehicle crop, letterboxed on its own, shows it several times larger.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain import Detection, Image
from server.pipeline.pairing import MIN_CONTAINMENT, containment
from server.pipeline.ports import DetectorLike

MERGE_IOU = 0.3
MIN_VEHICLE_SIDE = 48


def search_vehicles(
    detector: DetectorLike,
    image: Image,
    vehicles: Sequence[Detection],
    found: Sequence[Detection],
    *,
    conf: float,
    iou: float,
    max_searches: int,
) -> list[Detection]:
    """Plates found in the crops of the (largest) vehicles that contain no plate yet.

    Boxes are returned in image coordinates; a plate overlapping one already known
    (IoU >= 0.3) is dropped, so the result only adds plates.
    """
    known = list(found)
    extra: list[Detection] = []
    empty = [v for v in vehicles if not any(containment(p, v) >= MIN_CONTAINMENT for p in known)]
    empty = [v for v in empty if min(v.box.width, v.box.height) >= MIN_VEHICLE_SIDE]
    empty.sort(key=lambda v: v.box.area, reverse=True)
    for vehicle in empty[:max_searches]:
        b = vehicle.box
        crop = image[b.y1:b.y2, b.x1:b.x2]
        for plate in detector.detect(crop, conf, iou):
            candidate = plate.shifted(b.x1, b.y1)
            if all(candidate.box.iou(k.box) < MERGE_IOU for k in known):
                known.append(candidate)
                extra.append(candidate)
    return extra
