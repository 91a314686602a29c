"""Which configured cameras this process watches: the one place that decides it.

One process alone watches every configured camera (`EveryCamera`). With several replicas on one
PostgreSQL, `server.history.leases.LeasedCameras` leases each camera to one of them; `CameraManager`
asks the placement again every `interval_s` and starts and stops watchers as the answer changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from server.config import CameraSettings


class CameraPlacement(Protocol):
    """Decides which configured cameras this process watches now."""

    @property
    def interval_s(self) -> float | None:
        """How often to ask `watched` again (None: the answer never changes)."""
        ...

    def watched(self, cameras: Sequence[CameraSettings]) -> frozenset[str]:
        """The ids of `cameras` this process should watch (asked at start-up and on every re-placement)."""
        ...

    def owner(self, camera_id: str) -> str:
        """Who watches the camera, as /health and /stats show it ("" when nobody does)."""
        ...

    def replicas(self) -> list[str]:
        """The processes sharing the cameras (alive), for /health and /stats."""
        ...

    def close(self) -> None:
        """This process stops watching for good (hand the cameras over at once where that means anything)."""
        ...


class EveryCamera:
    """One process watches every configured camera (a single machine)."""

    def __init__(self, name: str = "this process") -> None:
        self.name = name

    @property
    def interval_s(self) -> float | None:
        """Never re-placed."""
        return None

    def watched(self, cameras: Sequence[CameraSettings]) -> frozenset[str]:
        """Every camera."""
        return frozenset(c.id for c in cameras)

    def owner(self, camera_id: str) -> str:
        """This process."""
        return self.name

    def replicas(self) -> list[str]:
        """This process alone."""
        return [self.name]

    def close(self) -> None:
        """Nothing to hand over."""
