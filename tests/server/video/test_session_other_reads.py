"""A session votes with both readers' reads of each plate crop (a cascade's unchosen read weighted)."""

from __future__ import annotations

import numpy as np

from server.config import VideoSettings
from server.domain import Box, Detection, Image, OtherRead, PlateReading
from server.pipeline.pairing import Pair
from server.pipeline.results import SceneAnalysis, StageTimes
from server.video.events import EventKind
from server.video.frames import Frame
from server.video.session import SessionOptions, VideoSession

PLATE = Detection(Box(600, 400, 720, 440), 0.9, 0, "plate")


def _reading(number: str, confidence: float, other: tuple[str, float] | None) -> PlateReading:
    others = (OtherRead(other[0], other[1], "recognizer", True, True),) if other else ()
    return PlateReading(plate_number=number, raw_text=number.replace(" ", ""), plate_date="", confidence=confidence,
                        provider="local", is_indonesian=True, plate_valid=True, other_reads=others)


class OnePlate:
    """A FrameAnalyzer seeing one lone plate per frame, read as scripted for the frame whose index is
    written in its first pixel (no vehicles)."""

    def __init__(self, readings: list[PlateReading]) -> None:
        self.readings = readings

    def analyze(self, image: Image) -> SceneAnalysis:
        reading = self.readings[int(image[0, 0, 0])]
        return SceneAnalysis(image.shape[1], image.shape[0], [], [PLATE], [reading], [Pair(None, 0, 0.9)],
                             StageTimes())

    def vehicles(self, image: Image) -> list[Detection]:
        return []

    def vehicles_and_plates(self, image: Image) -> tuple[list[Detection], list[Detection] | None]:
        return self.vehicles(image), None

    def plates_in(self, image: Image, regions: list[Box], *, size: int) -> list[list[Detection]]:
        return [[] for _ in regions]

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        return [self.analyze(image).readings[0] for _ in plates]


def _final_plate(readings: list[PlateReading], weight: float) -> tuple[str, int]:
    video = VideoSettings(other_read_weight=weight, settle_votes=50, max_prediction_delay_s=60.0)
    session = VideoSession(OnePlate(readings), SessionOptions(video=video, frame_rate=10.0, vehicle_classes=("car",)))
    rng = np.random.default_rng(0)
    image = np.asarray(rng.integers(0, 255, (720, 1280, 3)), dtype=np.uint8)
    events = []
    for i in range(len(readings)):
        frame = image.copy()
        frame[0, 0, 0] = i
        events += session.process(Frame(i, i / 10.0, frame))
    events += session.finish()
    (final,) = [e for e in events if e.kind is EventKind.FINAL]
    return final.vehicle.plate_number, final.vehicle.votes


def test_the_other_reader_s_reads_can_win_across_frames() -> None:
    # PP-OCR's reads are chosen, with look-alikes that vary ("OG", "UG"); the recognizer reads "QG" throughout
    frames = [_reading(f"AA 1056 {'OU'[i % 2]}G", 0.8, ("AA 1056 QG", 0.6)) for i in range(10)]
    plate, votes = _final_plate(frames, 1.0)
    assert plate == "AA 1056 QG"
    assert _final_plate(frames, 0.0)[0] in {"AA 1056 OG", "AA 1056 UG"}  # the chosen reads only
    assert votes < len(frames)  # frames, not reads (the tracker needs a few frames to start a track)
