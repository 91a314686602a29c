"""CameraPlacement decides which configured cameras this process watches; CameraManager follows it."""

from __future__ import annotations

import time
from collections.abc import Sequence

from server.bootstrap import Service
from server.config import CameraSettings
from server.video.cameras import CameraManager
from server.video.hub import EventHub
from server.video.placement import EveryCamera
from server.video.plane import StreamState

# Nothing listens on port 9 of loopback: the watchers keep reconnecting, which is all these tests need.
CAMERAS = tuple(CameraSettings(id=f"cam-{i}", url=f"rtsp://user:pw@127.0.0.1:9/cam{i}") for i in range(3))


class Scripted:
    """A placement whose answer the test changes (as a lease table would)."""

    def __init__(self, mine: set[str], interval_s: float | None = None) -> None:
        self.mine = mine
        self.interval_s = interval_s
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def watched(self, cameras: Sequence[CameraSettings]) -> frozenset[str]:
        return frozenset(c.id for c in cameras if c.id in self.mine)

    def owner(self, camera_id: str) -> str:
        return "replica-a" if camera_id in self.mine else "replica-b"

    def replicas(self) -> list[str]:
        return ["replica-a", "replica-b"]


def test_every_camera_is_watched_by_default(service: Service) -> None:
    manager = CameraManager(CAMERAS, service.plane, EventHub(10))
    assert isinstance(manager.placement, EveryCamera)
    manager.start()
    try:
        assert set(manager.watchers) == {"cam-0", "cam-1", "cam-2"}
    finally:
        manager.stop()
    assert manager.watchers == {}


def test_only_placed_cameras_are_watched_and_placement_changes_are_followed(service: Service) -> None:
    placement = Scripted({"cam-0", "cam-2"})
    manager = CameraManager(CAMERAS, service.plane, EventHub(10), placement)
    manager.start()
    try:
        assert set(manager.watchers) == {"cam-0", "cam-2"}
        first = manager.watchers["cam-0"]
        views = {v.camera_id: v for v in manager.views()}
        assert set(views) == {"cam-0", "cam-1", "cam-2"}  # every configured camera is listed
        assert views["cam-1"].status.state is StreamState.STOPPED
        assert views["cam-1"].status.message == "watched by replica-b"
        assert views["cam-0"].owner == "replica-a" and views["cam-1"].owner == "replica-b"
        assert manager.replicas() == ["replica-a", "replica-b"]
        assert all("pw" not in v.url for v in views.values())

        placement.mine = {"cam-0", "cam-1"}
        manager.place()
        assert set(manager.watchers) == {"cam-0", "cam-1"}
        assert manager.watchers["cam-0"] is first  # a kept camera's watch is not restarted
        assert manager.ids() == {"cam-0", "cam-1", "cam-2"}
    finally:
        manager.stop()
    assert placement.closed  # the placement hands its cameras over when the manager stops


def test_a_placement_with_an_interval_is_asked_again_without_a_call(service: Service) -> None:
    placement = Scripted({"cam-0"}, interval_s=0.05)
    manager = CameraManager(CAMERAS, service.plane, EventHub(10), placement)
    manager.start()
    try:
        assert set(manager.watchers) == {"cam-0"}
        placement.mine = {"cam-1", "cam-2"}
        deadline = time.monotonic() + 5.0
        while set(manager.watchers) != {"cam-1", "cam-2"}:
            assert time.monotonic() < deadline, "the manager did not follow the placement on its own"
            time.sleep(0.02)
    finally:
        manager.stop()
