"""The second plate search inside vehicle crops, with the real detectors."""

from __future__ import annotations

import cv2
import numpy as np

from server.bootstrap import Service
from server.domain import Box, Detection, Image
from server.pipeline.plate_search import search_vehicles
from tests.conftest import data_set, labels


def test_small_car_in_a_large_frame_gets_its_plate_from_the_vehicle_crop(service: Service) -> None:
    record = labels("openalpr-us")[0]
    photo: Image | None = cv2.imread(str(data_set("openalpr-us") / record["image"]))  # type: ignore[assignment]
    assert photo is not None
    small = cv2.resize(photo, (photo.shape[1] // 4, photo.shape[0] // 4), interpolation=cv2.INTER_AREA)
    canvas: Image = np.full((2400, 3200, 3), 90, np.uint8)
    top, left = 1500, 1700
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    plates, vehicles = service.analyzer.plate_detector, service.analyzer.vehicle_detector
    assert plates is not None and vehicles is not None
    cars = vehicles.detect(canvas, 0.25, 0.45)
    assert cars, "the vehicle detector should still see the car"
    whole = plates.detect(canvas, 0.25, 0.45)
    extra = search_vehicles(plates, canvas, cars, whole, conf=0.25, iou=0.45, max_searches=4)
    x1, y1, x2, y2 = (v // 4 for v in record["plates"][0]["box"])
    truth = Box(x1 + left, y1 + top, x2 + left, y2 + top)
    assert not any(d.box.iou(truth) >= 0.4 for d in whole), "the whole-image pass should miss this tiny plate"
    assert any(d.box.iou(truth) >= 0.4 for d in extra)
    assert all(e.box.iou(w.box) < 0.3 for e in extra for w in whole)


def test_vehicles_that_already_hold_a_plate_are_not_searched(service: Service) -> None:
    record = labels("openalpr-us")[0]
    photo: Image | None = cv2.imread(str(data_set("openalpr-us") / record["image"]))  # type: ignore[assignment]
    assert photo is not None
    x1, y1, x2, y2 = record["plates"][0]["box"]
    vehicle = Detection(Box(max(0, x1 - 200), max(0, y1 - 200), x2 + 200, y2 + 50), 0.9, 2, "car")
    known = Detection(Box(x1, y1, x2, y2), 0.9, 0, "plate")
    plates = service.analyzer.plate_detector
    assert plates is not None
    assert search_vehicles(plates, photo, [vehicle], [known], conf=0.25, iou=0.45, max_searches=4) == []
