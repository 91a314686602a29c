"""The shapes the pipeline needs from model runners (implemented in server.detection)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from server.domain import Detection, Image
from server.pipeline.results import ImageRequest, PipelineOutput, ReadOutput


class ModelInfoLike(Protocol):
    """What the service reports about a loaded detector."""

    @property
    def path(self) -> Path: ...
    @property
    def classes(self) -> dict[int, str]: ...
    @property
    def source(self) -> str: ...
    @property
    def providers(self) -> Sequence[str]: ...


class DetectorLike(Protocol):
    """An object detector with a shared, thread-safe session."""

    @property
    def info(self) -> ModelInfoLike: ...

    def detect(self, image: Image, conf: float, iou: float) -> list[Detection]:
        """Detections in original image pixels, above conf, after NMS."""
        ...

    def detect_batch(self, images: Sequence[Image], conf: float, iou: float, *,
                     size: int | None = None) -> list[list[Detection]]:
        """detect() of each image (one inference where the model allows), letterboxed to size x size if given."""
        ...


class UnifiedDetectorLike(Protocol):
    """One detector for vehicles and plates: both from a single pass."""

    @property
    def info(self) -> ModelInfoLike: ...

    def detect_both(
        self, image: Image, *, vehicle_conf: float, plate_conf: float, iou: float
    ) -> tuple[list[Detection], list[Detection]]:
        """(vehicles, plates) of one image, each above its threshold, after NMS."""


class ReadRecorder(Protocol):
    """Where the save step sends each processed image's reads (the read history)."""

    def keep_images(self, plate_texts: Sequence[str]) -> bool:
        """Whether an image with these plate reads keeps its artefacts."""
        ...

    def record(self, output: PipelineOutput, request: ImageRequest) -> object:
        """Record the image's reads; never raises."""
        ...

    def record_plate_reads(self, output: ReadOutput, request: ImageRequest) -> object:
        """Record the reads of a recognised plate crop; never raises."""
        ...
