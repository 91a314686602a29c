"""What a video session needs from the rest of the service (the pipeline, the artefact store)."""

from __future__ import annotations

from typing import Protocol

from server.domain import Box, Detection, Image, PlateReading
from server.pipeline.results import SceneAnalysis
from server.video.decode import VideoLimits, VideoReader
from server.video.track import View


class FrameAnalyzer(Protocol):
    """The scene analyzer's public, side-effect-free methods, called per frame (server.pipeline.scene)."""

    def analyze(self, image: Image) -> SceneAnalysis:
        """The pipeline's whole analysis step on one frame: vehicles, plates, readings, pairs."""
        ...

    def vehicles(self, image: Image) -> list[Detection]:
        """Vehicles in the frame."""
        ...

    def vehicles_and_plates(self, image: Image) -> tuple[list[Detection], list[Detection] | None]:
        """Vehicles, and the frame's plates where the same detector pass gives them (else None)."""
        ...

    def plates_in(self, image: Image, regions: list[Box], *, size: int) -> list[list[Detection]]:
        """Plates inside each region (vehicle boxes) letterboxed to size x size, in frame coordinates."""
        ...

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        """Readings of the given plates, in one batched OCR call."""
        ...


class ViewSaver(Protocol):
    """Saves a finished track's best frame and plate crop."""

    def save(self, name: str, view: View) -> tuple[str, str]:
        """(frame path, plate crop path) as responses show them; "" where nothing was saved."""
        ...


class FrameSource(Protocol):
    """Where a session's frames come from (server.video.sources: an upload, a file, a live URL)."""

    @property
    def live(self) -> bool:
        """True: reopened with backoff when it ends, timed by the wall clock; False: read once."""
        ...

    def describe(self) -> str:
        """A name for logs, without credentials."""
        ...

    def open(self, limits: VideoLimits) -> VideoReader:
        """The opened decoder; the domain's errors when it cannot be opened."""
        ...
