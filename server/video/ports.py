"""What a video session needs from the rest of the service (the pipeline, the artefact store)."""

from __future__ import annotations

from typing import Protocol

from server.domain import Box, Detection, Image, PlateReading
from server.video.track import View


class FrameAnalyzer(Protocol):
    """The pipeline's pure analysis pieces, called per frame (no file writes)."""

    def vehicles(self, image: Image) -> list[Detection]:
        """Vehicles in the frame."""
        ...

    def plates(self, image: Image) -> list[Detection]:
        """Plates anywhere in the frame (one whole-frame pass)."""
        ...

    def plates_in(self, image: Image, regions: list[Box]) -> list[list[Detection]]:
        """Plates inside each region (vehicle boxes), in frame coordinates; one batched pass."""
        ...

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        """Readings of the given plates, in one batched OCR call."""
        ...


class ViewSaver(Protocol):
    """Saves a finished track's best frame and plate crop."""

    def save(self, name: str, view: View) -> tuple[str, str]:
        """(frame path, plate crop path) as responses show them; "" where nothing was saved."""
        ...
