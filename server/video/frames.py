"""The frame and video descriptions every video module shares."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain import Image


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its index in the source, its time from the source's start, BGR pixels."""

    index: int
    t_s: float
    image: Image


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its video stream (frames and duration may be estimates)."""

    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    codec: str
    container: str
