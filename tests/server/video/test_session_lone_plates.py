"""A plate whose vehicle the detector never finds: followed on every frame when the detector pass gives the
frame's plates (the unified detector), so a plate seen on only one sparse full scan is still read."""

from __future__ import annotations

import numpy as np

from server.config import VideoSettings
from server.domain import Box, Detection, Image, PlateReading
from server.pipeline.pairing import Pair
from server.pipeline.results import SceneAnalysis, StageTimes
from server.video.events import EventKind
from server.video.frames import Frame
from server.video.session import PLATE_SCAN_EVERY, SessionOptions, VideoSession

READING = PlateReading(plate_number="AB 1670 ZU", raw_text="AB1670ZU", plate_date="07.28", confidence=0.95,
                       provider="recognizer", is_indonesian=True, plate_valid=True)


class CloseUp:
    """A FrameAnalyzer for a close-up vehicle the detector misses: only its plate is found, growing and moving
    each frame (frame index in the first pixel); `same_pass` says whether tracking frames get the plates."""

    def __init__(self, same_pass: bool) -> None:
        self.same_pass = same_pass
        self.full_scans = 0

    @staticmethod
    def plate(image: Image) -> Detection:
        i = int(image[0, 0, 0])
        x, w = 400 + 20 * i, 120 + 12 * i
        return Detection(Box(x, 300 + 8 * i, x + w, 300 + 8 * i + w // 4), 0.8, 0, "plate")

    def analyze(self, image: Image) -> SceneAnalysis:
        self.full_scans += 1
        return SceneAnalysis(image.shape[1], image.shape[0], [], [self.plate(image)], [READING],
                             [Pair(None, 0, 0.9)], StageTimes())

    def vehicles(self, image: Image) -> list[Detection]:
        return []

    def vehicles_and_plates(self, image: Image) -> tuple[list[Detection], list[Detection] | None]:
        return [], [self.plate(image)] if self.same_pass else None

    def plates_in(self, image: Image, regions: list[Box], *, size: int) -> list[list[Detection]]:
        return [[] for _ in regions]

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        return [READING for _ in plates]


def _plates(analyzer: CloseUp, frames: int) -> list[str]:
    session = VideoSession(analyzer, SessionOptions(video=VideoSettings(), frame_rate=5.0, vehicle_classes=("car",)))
    image = np.zeros((720, 1280, 3), np.uint8)
    events = []
    for i in range(frames):
        frame = image.copy()
        frame[0, 0, 0] = i + 1  # the first frame is a full scan
        events += session.process(Frame(i, i / 5.0, frame))
    events += session.finish()
    return [e.vehicle.plate_number for e in events if e.kind is EventKind.FINAL]


def test_a_lone_plate_seen_on_tracking_frames_is_tracked_and_read() -> None:
    # In view for fewer frames than two full scans apart: only the same-pass plates can start its track.
    frames = PLATE_SCAN_EVERY + 1
    assert _plates(CloseUp(same_pass=True), frames) == ["AB 1670 ZU"]


def test_without_same_pass_plates_it_needs_two_full_scans() -> None:
    # The behaviour before (and with two detectors): the plate seen on one full scan is never tracked.
    analyzer = CloseUp(same_pass=False)
    assert _plates(analyzer, PLATE_SCAN_EVERY + 1) == []
    assert analyzer.full_scans == 2
