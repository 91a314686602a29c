"""The configured cameras: each watched in its own thread from start-up, events into the hub."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from server.config import CameraSettings
from server.video.events import TrackEvent
from server.video.hub import EventHub
from server.video.placement import CameraPlacement, EveryCamera
from server.video.plane import StreamState, StreamStatus, VideoPlane, WatchCounters
from server.video.sources import redact
from server.video.zones import Zones

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraView:
    """A camera's state as /health and /stats show it."""

    camera_id: str
    url: str
    status: StreamStatus
    frames: int
    frames_processed: int
    events: int
    last_frame_at: str
    owner: str = ""


class CameraWatcher:
    """One camera's thread: watch (reconnecting with backoff), publish events, keep its state."""

    def __init__(self, camera: CameraSettings, plane: VideoPlane, hub: EventHub) -> None:
        self.camera = camera
        self._plane = plane
        self._hub = hub
        self._stop = threading.Event()
        self.counters = WatchCounters()
        self.status = StreamStatus(StreamState.CONNECTING)
        self._thread = threading.Thread(target=self._run, name=f"camera-{camera.id}", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def _run(self) -> None:
        zones = Zones(self.camera.roi, self.camera.exclude)
        while not self._stop.is_set():
            try:
                for item in self._plane.watch(self.camera.url, source_id=self.camera.id, stop=self._stop,
                                              sample_fps=self.camera.sample_fps, zones=zones,
                                              counters=self.counters, rtsp_transport=self.camera.rtsp_transport):
                    if isinstance(item, TrackEvent):
                        self._hub.publish(item)
                    else:
                        if item.state != self.status.state:
                            log.info("camera %s: %s %s", self.camera.id, item.state.value, item.message)
                        self.status = item
            except Exception as exc:  # one camera's failure never stops the others or the server
                log.exception("camera %s failed; restarting its watch", self.camera.id)
                self.status = StreamStatus(StreamState.RECONNECTING, f"{type(exc).__name__}: {exc}",
                                           self.status.reconnects + 1)
                self._stop.wait(self._plane.settings.video.reconnect_max_s)
            else:
                if not self._stop.is_set():  # a file camera ended: nothing more to watch
                    return
        self.status = StreamStatus(StreamState.STOPPED, "stopped", self.status.reconnects)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop watching and wait a little for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def view(self) -> CameraView:
        """The camera's current state."""
        c = self.counters
        last = datetime.fromtimestamp(c.last_frame_at, timezone.utc).astimezone(self._plane.settings.tz).isoformat() \
            if c.last_frame_at else ""
        return CameraView(self.camera.id, redact(self.camera.url), self.status, c.frames, c.frames_processed,
                          c.events, last)


class CameraManager:
    """The configured cameras, the watchers of those this process watches, and the hub their events go through."""

    def __init__(self, cameras: tuple[CameraSettings, ...], plane: VideoPlane, hub: EventHub,
                 placement: CameraPlacement | None = None) -> None:
        self.hub = hub
        self.cameras = cameras
        self.placement = placement or EveryCamera()
        self._plane = plane
        self._lock = threading.Lock()
        self.watchers: dict[str, CameraWatcher] = {}
        self._stopping = threading.Event()
        self._placer: threading.Thread | None = None

    def start(self) -> None:
        """Watch the cameras the placement gives this process (asked again every placement interval)."""
        self.place()
        interval = self.placement.interval_s
        if interval is not None and self.cameras:
            self._placer = threading.Thread(target=self._place_every, args=(interval,), name="camera-placement",
                                            daemon=True)
            self._placer.start()

    def _place_every(self, interval_s: float) -> None:
        while not self._stopping.wait(interval_s):
            try:
                self.place()
            except Exception:  # a placement round that fails is tried again on the next one
                log.exception("camera placement round failed")

    def place(self) -> None:
        """Start watching the cameras the placement now gives this process; stop those it no longer does."""
        with self._lock:
            wanted = self.placement.watched(self.cameras)
            for camera_id in sorted(set(self.watchers) - wanted):
                log.info("camera %s: no longer watched here", camera_id)
                self.watchers.pop(camera_id).stop()
            for camera in self.cameras:
                if camera.id in wanted and camera.id not in self.watchers:
                    watcher = self.watchers[camera.id] = CameraWatcher(camera, self._plane, self.hub)
                    watcher.start()

    def stop(self) -> None:
        """Stop every camera, hand the cameras over, and wake the subscribers."""
        self._stopping.set()
        if self._placer is not None:
            self._placer.join(timeout=5.0)
        with self._lock:
            for watcher in self.watchers.values():
                watcher.stop()
            self.watchers.clear()
        self.placement.close()
        self.hub.close()

    def views(self) -> list[CameraView]:
        """Every configured camera's state (STOPPED, with its owner, for those watched elsewhere)."""
        with self._lock:
            watchers = dict(self.watchers)
        views = []
        for camera in self.cameras:
            watcher = watchers.get(camera.id)
            if watcher is not None:
                views.append(replace(watcher.view(), owner=self.placement.owner(camera.id)))
            else:
                owner = self.placement.owner(camera.id)
                note = f"watched by {owner}" if owner else "not watched by any process"
                views.append(CameraView(camera.id, redact(camera.url), StreamStatus(StreamState.STOPPED, note),
                                        0, 0, 0, "", owner))
        return views

    def replicas(self) -> list[str]:
        """The replicas sharing the cameras, as the placement last saw them."""
        return self.placement.replicas()

    def ids(self) -> frozenset[str]:
        """The configured camera ids."""
        return frozenset(c.id for c in self.cameras)
