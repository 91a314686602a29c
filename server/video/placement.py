"""Which configured cameras this process watches: the one place that decides it.

Today one process watches every configured camera (`EveryCamera`). A placement that leases cameras
among replicas (the scale-out work) implements the same protocol; `CameraManager.place()` then
starts and stops watchers as the answer changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from server.config import CameraSettings


class CameraPlacement(Protocol):
    """Decides which configured cameras this process watches now."""

    def watched(self, cameras: Sequence[CameraSettings]) -> frozenset[str]:
        """The ids of `cameras` this process should watch (asked at start-up and on every re-placement)."""
        ...

    def owner(self, camera_id: str) -> str:
        """Who watches the camera, as /health and /stats show it ("" when nobody does)."""
        ...


class EveryCamera:
    """One process watches every configured camera (a single machine)."""

    def __init__(self, name: str = "this process") -> None:
        self.name = name

    def watched(self, cameras: Sequence[CameraSettings]) -> frozenset[str]:
        """Every camera."""
        return frozenset(c.id for c in cameras)

    def owner(self, camera_id: str) -> str:
        """This process."""
        return self.name
