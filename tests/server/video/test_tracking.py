"""The ByteTrack wrapper: stable ids across frames, a new id after the loss time, time handling."""

from __future__ import annotations

from server.domain import Box, Detection
from server.video.tracking import BoxTracker


def _car(x: int, y: int, w: int = 200, h: int = 150, conf: float = 0.9) -> Detection:
    return Detection(Box(x, y, x + w, y + h), conf, 2, "car")


def _tracker() -> BoxTracker:
    return BoxTracker(track_lost_s=1.0, frame_rate=5.0, activation_threshold=0.4)


def test_a_moving_vehicle_keeps_its_id() -> None:
    tracker = _tracker()
    ids = [tracker.update([_car(100 + 12 * i, 80 + 6 * i, 200 + 8 * i, 150 + 6 * i)], 0.2 * i)[0] for i in range(10)]
    assert ids[0] is None  # ByteTrack confirms a track on its second matched frame (a one-frame flicker is none)
    assert ids[1] is not None
    assert set(ids[1:]) == {ids[1]}


def test_two_vehicles_get_two_ids_in_any_input_order() -> None:
    tracker = _tracker()
    tracker.update([_car(50, 50), _car(700, 300)], 0.0)
    a0, b0 = tracker.update([_car(55, 51), _car(705, 302)], 0.2)
    b1, a1 = tracker.update([_car(710, 305), _car(60, 52)], 0.4)
    assert a0 is not None and b0 is not None and a0 != b0
    assert (a1, b1) == (a0, b0)


def test_short_occlusion_keeps_the_id_and_long_absence_ends_it() -> None:
    tracker = _tracker()
    tracker.update([_car(100, 100)], 0.0)
    first = tracker.update([_car(104, 102)], 0.2)[0]
    assert first is not None
    for t in (0.4, 0.6):  # hidden for two frames
        tracker.update([], t)
    assert tracker.update([_car(112, 106)], 0.8)[0] == first
    for t in (1.0, 1.4, 1.8, 2.2):  # gone for longer than track_lost_s
        tracker.update([], t)
    tracker.update([_car(112, 106)], 2.4)
    again = tracker.update([_car(113, 106)], 2.6)[0]
    assert again is not None and again != first


def test_low_confidence_boxes_start_no_track() -> None:
    tracker = _tracker()
    assert tracker.update([_car(100, 100, conf=0.3)], 0.0) == [None]


def test_repeated_or_earlier_times_do_not_break_tracking() -> None:
    tracker = _tracker()
    tracker.update([_car(100, 100)], 0.8)
    first = tracker.update([_car(101, 100)], 1.0)[0]
    assert first is not None
    assert tracker.update([_car(102, 101)], 1.0)[0] == first
    assert tracker.update([_car(104, 102)], 0.5)[0] == first
