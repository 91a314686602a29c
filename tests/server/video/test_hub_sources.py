"""The camera event hub and the stream source checks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from server.errors import InvalidInputError, InvalidPathError
from server.video.events import EventKind, TrackEvent, VehicleReport
from server.video.hub import EventHub
from server.video.sources import LiveStream, VideoFile, redact, redact_text, source_for


def _event(source: str, n: int) -> TrackEvent:
    return TrackEvent(EventKind.FINAL, float(n), source,
                      VehicleReport(n, "B 1", 0.9, 1, 1, 0.0, 1.0, "car", "approaching", ()))


def test_subscribers_get_the_cameras_they_follow() -> None:
    hub = EventHub(queue_size=10)
    everything, only_a = hub.subscribe(), hub.subscribe(frozenset({"a"}))
    hub.publish(_event("a", 1))
    hub.publish(_event("b", 2))
    assert [everything.get(0.1).vehicle.track_id for _ in range(2)] == [1, 2]  # type: ignore[union-attr]
    got = only_a.get(0.1)
    assert got is not None and got.source_id == "a"
    assert only_a.get(0.05) is None


def test_a_slow_subscriber_loses_its_oldest_events_and_never_blocks() -> None:
    hub = EventHub(queue_size=3)
    slow = hub.subscribe()
    for n in range(10):
        hub.publish(_event("a", n))
    assert slow.dropped == 7
    assert [slow.get(0.1).vehicle.track_id for _ in range(3)] == [7, 8, 9]  # type: ignore[union-attr]


def test_closing_the_hub_ends_subscriptions() -> None:
    hub = EventHub()
    sub = hub.subscribe()
    active = threading.Event()
    active.set()
    hub.close()
    assert list(sub.events(active, poll_s=0.05)) == []
    sub.close()
    assert hub.subscribers == 0


def test_sources(tmp_path: Path) -> None:
    camera = source_for("rtsp://user:secret@cam.local/stream", ())
    assert camera == LiveStream("rtsp://user:secret@cam.local/stream") and camera.live
    assert camera.describe() == "rtsp://cam.local/stream"
    assert source_for("https://cam.local/live.m3u8", ()) == LiveStream("https://cam.local/live.m3u8")
    video = tmp_path / "in" / "v.mp4"
    video.parent.mkdir()
    video.write_bytes(b"x")
    file = source_for(str(video), (video.parent,))
    assert file == VideoFile(video) and not file.live and file.describe() == "v.mp4"
    with pytest.raises(InvalidPathError):
        source_for(str(video), (tmp_path / "other",))
    with pytest.raises(InvalidPathError):
        source_for(str(video.parent / ".." / ".." / "etc" / "passwd"), (video.parent,))
    with pytest.raises(InvalidInputError):
        source_for("ftp://cam.local/x", ())
    with pytest.raises(InvalidInputError):
        source_for("  ", ())
    assert redact("rtsp://user:secret@cam.local:554/s") == "rtsp://cam.local:554/s"
    assert redact_text("refused: 'rtsp://u:p@c/s'") == "refused: 'rtsp://c/s'"
