"""A track ends when another vehicle takes its place: a jump no vehicle makes, or a settled track whose
plate scans keep reading another plate (a gate); a vehicle hidden for a moment keeps its track."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from server.config import VideoSettings
from server.domain import Box, Detection, Image, PlateReading
from server.pipeline.pairing import Pair
from server.pipeline.results import SceneAnalysis, StageTimes
from server.video.events import EventKind, TrackEvent
from server.video.frames import Frame
from server.video.session import SessionOptions, VideoSession

FPS = 5.0
SIZE = (1280, 720)


def _reading(number: str) -> PlateReading:
    return PlateReading(plate_number=number, raw_text=number.replace(" ", ""), plate_date="", confidence=0.95,
                        provider="local", is_indonesian=True, plate_valid=True)


class Scripted:
    """A FrameAnalyzer that sees, on frame i, the vehicle box and plate text of script[i] (None: nothing)."""

    def __init__(self, script: Sequence[tuple[Box, str] | None]) -> None:
        self.script = script

    def _now(self, image: Image) -> tuple[Box, str] | None:
        return self.script[int(image[0, 0, 0]) + 256 * int(image[0, 0, 1])]

    @staticmethod
    def _plate(car: Box) -> Detection:
        cx, bottom = (car.x1 + car.x2) // 2, car.y2
        w, h = max(60, car.width // 3), max(30, car.height // 6)
        return Detection(Box(cx - w // 2, bottom - 3 * h, cx + w // 2, bottom - 2 * h), 0.9, 0, "plate")

    def analyze(self, image: Image) -> SceneAnalysis:
        now = self._now(image)
        if now is None:
            return SceneAnalysis(SIZE[0], SIZE[1], [], [], [], [], StageTimes())
        car, text = now
        return SceneAnalysis(SIZE[0], SIZE[1], [Detection(car, 0.9, 2, "car")], [self._plate(car)],
                             [_reading(text)], [Pair(0, 0, 0.9)], StageTimes())

    def vehicles(self, image: Image) -> list[Detection]:
        now = self._now(image)
        return [Detection(now[0], 0.9, 2, "car")] if now else []

    def vehicles_and_plates(self, image: Image) -> tuple[list[Detection], list[Detection] | None]:
        return self.vehicles(image), None

    def plates_in(self, image: Image, regions: list[Box], *, size: int) -> list[list[Detection]]:
        return [[self._plate(r)] for r in regions]

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        now = self._now(image)
        return [_reading(now[1] if now else "") for _ in plates]


def _finals(script: Sequence[tuple[Box, str] | None], video: VideoSettings | None = None) -> list[TrackEvent]:
    video = video or VideoSettings()
    session = VideoSession(Scripted(script), SessionOptions(video, FPS, ("car",)))
    canvas = np.random.default_rng(0).integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)  # sharp crops
    events: list[TrackEvent] = []
    for i in range(len(script)):
        frame = canvas.copy()
        frame[0, 0, 0], frame[0, 0, 1] = i % 256, i // 256
        events += session.process(Frame(i, i / FPS, frame))
    events += session.finish()
    return [e for e in events if e.kind is EventKind.FINAL]


def _drift(box: Box, i: int) -> Box:
    return Box(box.x1 + 2 * i, box.y1 + i, box.x2 + 2 * i, box.y2 + i)


A = Box(400, 300, 700, 500)


def test_a_scale_jump_no_vehicle_makes_ends_the_track() -> None:
    big = Box(330, 240, 850, 640)  # 3.5x the area, overlapping: the tracker alone would keep one id
    script = [(_drift(A, i), "B 1234 CD") for i in range(10)] + [(_drift(big, i), "D 5678 EF") for i in range(10)]
    finals = _finals(script)
    assert sorted(e.vehicle.plate_number for e in finals) == ["B 1234 CD", "D 5678 EF"]
    first, second = sorted(finals, key=lambda e: e.vehicle.first_frame)
    assert first.vehicle.first_frame <= 1 and second.vehicle.last_frame == 19  # ids start on the 1st or 2nd frame
    assert first.vehicle.last_frame < second.vehicle.first_frame
    rules_off = VideoSettings(split_scale_ratio=100.0, split_shift=100.0, split_contradictions=0)
    assert len(_finals(script, rules_off)) == 1  # the tracker alone merges the two vehicles


def test_another_plate_at_the_same_spot_ends_a_settled_track() -> None:
    """A gate: one car stands 4 s, leaves, the next stops in the very same place."""
    script = [(A, "B 1234 CD")] * 20 + [(A, "D 5678 EF")] * 20
    finals = _finals(script)
    assert sorted(e.vehicle.plate_number for e in finals) == ["B 1234 CD", "D 5678 EF"]
    assert all(e.vehicle.plate_valid for e in finals)
    without = _finals(script, VideoSettings(split_contradictions=0))  # the rule off: the second car is lost
    assert [e.vehicle.plate_number for e in without] == ["B 1234 CD"]


def test_a_vehicle_that_stops_gets_its_final_by_the_prediction_delay_and_only_one() -> None:
    script = [(A, "B 1234 CD")] * 60  # 12 s standing
    finals = _finals(script, VideoSettings(max_prediction_delay_s=6.0))
    assert [e.vehicle.plate_number for e in finals] == ["B 1234 CD"]
    assert finals[0].t_s - finals[0].vehicle.first_seen_s <= 6.0 + 1 / FPS


def test_a_vehicle_hidden_for_a_moment_keeps_its_track() -> None:
    script: list[tuple[Box, str] | None] = [(_drift(A, i), "B 1234 CD") for i in range(8)]
    script += [None, None]  # 0.4 s behind a passing bus
    script += [(_drift(A, i), "B 1234 CD") for i in range(10, 20)]
    finals = _finals(script)
    assert [e.vehicle.plate_number for e in finals] == ["B 1234 CD"]
    assert finals[0].vehicle.first_frame <= 1 and finals[0].vehicle.last_frame == 19


def test_a_vehicle_leaving_through_the_frame_edge_is_not_split() -> None:
    script = []
    for i in range(6):  # moving down 80 px a frame: the bottom edge cuts the box to a sliver
        top = 300 + 80 * i
        script.append((Box(400, top, 700, min(720, top + 200)), "B 1234 CD"))
    finals = _finals(script)
    assert [e.vehicle.plate_number for e in finals] == ["B 1234 CD"]


def test_the_same_plate_back_at_the_same_place_is_the_same_vehicle() -> None:
    """A car standing at a gate, its track lost for 7 s (a lorry in front): still one vehicle."""
    script: list[tuple[Box, str] | None] = [(A, "B 1234 CD")] * 10 + [None] * 35 + [(A, "B 1234 CD")] * 10
    finals = _finals(script)
    assert [e.vehicle.plate_number for e in finals] == ["B 1234 CD"]
    elsewhere = [(A, "B 1234 CD")] * 10 + [None] * 35 + [(Box(900, 100, 1200, 300), "B 1234 CD")] * 10
    assert len(_finals(elsewhere)) == 2  # the same plate elsewhere, 7 s later: reported again
