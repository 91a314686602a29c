"""The transport-free video data plane: uploaded videos, frame streams and watched streams."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from server.config import Settings
from server.domain import Image
from server.errors import AlprError
from server.imaging.decode import decode_image
from server.storage.artefacts import ArtefactStore
from server.storage.naming import file_prefix, safe_prefix
from server.video.decode import VideoLimits, VideoReader
from server.video.events import TrackEvent
from server.video.frames import Frame
from server.video.ports import FrameAnalyzer
from server.video.runner import VideoProgress, VideoSummary, run_video
from server.video.sampling import FrameSampler
from server.video.saving import TrackViewSaver
from server.video.session import SessionOptions, VideoSession
from server.video.sources import check_source
from server.video.zones import Zones

Now = Callable[[], datetime]
_IDLE_TICK_S = 0.25
# A live stream's frames older than this (behind the wall clock) are dropped undecoded-for-analysis ...
_MAX_LAG_S = 0.5
# ... except one every this many seconds, so a source that is always behind is still analysed.
_MIN_ANALYSIS_GAP_S = 1.0


class StreamState(str, Enum):
    """Where a watched stream stands."""

    CONNECTING = "CONNECTING"
    STREAMING = "STREAMING"
    RECONNECTING = "RECONNECTING"
    STOPPED = "STOPPED"


@dataclass(frozen=True)
class StreamStatus:
    """A change of a watched stream's connection."""

    state: StreamState
    message: str = ""
    reconnects: int = 0


@dataclass
class WatchCounters:
    """What a watch has done so far (read by /health and /stats through the camera manager)."""

    frames: int = 0
    frames_processed: int = 0
    events: int = 0
    last_frame_at: float = 0.0  # time.time() of the last frame, 0: none yet


class VideoPlane:
    """Runs video sessions over the scene analyzer; saves only each track's best views."""

    def __init__(self, settings: Settings, analyzer: FrameAnalyzer, store: ArtefactStore, now: Now, *,
                 on_final: Callable[[TrackEvent], None] | None = None) -> None:
        self.settings = settings
        self._on_final = on_final  # every session's FINAL events also go here (the read history)
        self._analyzer = analyzer
        self._store = store
        self._now = now
        self.limits = VideoLimits.from_settings(settings.limits)

    # ---- sessions ----------------------------------------------------------------------------
    def session(self, source_id: str, frame_rate: float, *, zones: Zones | None = None) -> VideoSession:
        """A new tracking session whose FINAL events save their best views under a fresh prefix."""
        wanted, _ = file_prefix(self._now(), self.settings.tz)
        tag = safe_prefix(source_id) or "video"
        prefix = self._store.claim(f"{wanted}_{tag}")
        self._store.save_results(prefix, {"source_id": source_id, "kind": "video_session",
                                          "started": self._now().astimezone(self.settings.tz).isoformat()})
        saver = TrackViewSaver(self._store, prefix, self.settings.detection.plate_padding)
        options = SessionOptions(self.settings.video, frame_rate, self.settings.detection.vehicle_classes,
                                 zones or Zones())
        return VideoSession(self._analyzer, options, source_id=source_id, saver=saver, on_final=self._on_final)

    def sample_fps(self, requested: float | None) -> float:
        """The request's sample rate, or the configured one."""
        return self.settings.video.sample_fps if requested is None else requested

    # ---- uploaded videos ---------------------------------------------------------------------
    def process_bytes(self, data: bytes, *, camera_id: str = "", sample_fps: float | None = None,
                      ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
        """Decode and track a whole uploaded video: events and progress, then its summary (last)."""
        reader = VideoReader.from_bytes(data, self.limits)
        yield from self._run(reader, camera_id, sample_fps)

    def process_path(self, path: Path, *, camera_id: str = "", sample_fps: float | None = None,
                     ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
        """Like process_bytes for a file on disk."""
        reader = VideoReader.from_path(path, self.limits)
        yield from self._run(reader, camera_id, sample_fps)

    def _run(self, reader: VideoReader, camera_id: str, sample_fps: float | None,
             ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
        with reader:
            session = self.session(camera_id or "video", reader.info.fps)
            yield from run_video(reader, session, self.sample_fps(sample_fps))

    # ---- client frame streams ------------------------------------------------------------------
    def decode_frame(self, data: bytes) -> Image:
        """A TrackFrames frame (JPEG or PNG), validated like a scene image."""
        limits = self.settings.limits
        return decode_image(data, file_name="", allowed_extensions=self.settings.image_formats,
                            max_bytes=limits.max_image_bytes,
                            min_size=(limits.min_video_width, limits.min_video_height)).image

    # ---- watched streams -----------------------------------------------------------------------
    def watch(self, source: str, *, source_id: str, stop: threading.Event, sample_fps: float | None = None,
              zones: Zones | None = None, counters: WatchCounters | None = None,
              ) -> Iterator[TrackEvent | StreamStatus]:
        """Events and connection changes of a stream until `stop` is set; reopens it with backoff.

        A live URL is timed by the wall clock from the start of the watch (so tracks keep their times
        across reconnects, and open tracks get their FINAL while the stream is down); a file is read
        once, timed by its own timestamps, and the watch ends with it.
        """
        allowed = tuple(self.settings.resolve(d) for d in self.settings.video.allowed_dirs)
        target = check_source(source, allowed)
        counters = counters or WatchCounters()
        rate = self.sample_fps(sample_fps)
        if isinstance(target, Path):
            yield StreamStatus(StreamState.STREAMING)
            for item in self.process_path(target, camera_id=source_id, sample_fps=rate):
                if isinstance(item, TrackEvent):
                    counters.events += 1
                    yield item
            yield StreamStatus(StreamState.STOPPED, "end of file")
            return
        yield from self._watch_live(str(target), source_id, stop, rate, zones, counters)

    def _watch_live(self, url: str, source_id: str, stop: threading.Event, rate: float, zones: Zones | None,
                    counters: WatchCounters) -> Iterator[TrackEvent | StreamStatus]:
        video = self.settings.video
        start = time.monotonic()
        session = self.session(source_id, rate or 25.0, zones=zones)
        sampler = FrameSampler(rate)

        connection = {"wall0": 0.0, "kept": 0.0}

        def keep(t_stream: float) -> bool:
            """Called once per decoded frame: sampled by the wall clock, and frames that queued up while
            the analysis was slower than the stream are decoded and dropped until it has caught up."""
            now = time.monotonic()
            counters.frames += 1
            counters.last_frame_at = time.time()
            if t_stream == 0.0:
                connection["wall0"] = now
            behind = (now - connection["wall0"]) - t_stream
            if behind > _MAX_LAG_S and now - connection["kept"] < _MIN_ANALYSIS_GAP_S:
                return False
            if not sampler(now - start):
                return False
            connection["kept"] = now
            return True

        delay, reconnects, message = video.reconnect_initial_s, 0, ""
        while not stop.is_set():
            yield StreamStatus(StreamState.RECONNECTING if reconnects else StreamState.CONNECTING, message, reconnects)
            try:
                reader = VideoReader.from_url(url, self.limits)
            except AlprError as exc:
                message = exc.message
            else:
                yield StreamStatus(StreamState.STREAMING, "", reconnects)
                delay = video.reconnect_initial_s
                message = "stream ended"
                try:
                    with reader:
                        for frame in reader.frames(keep):
                            if stop.is_set():
                                break
                            counters.frames_processed += 1
                            t = time.monotonic() - start
                            for event in session.process(Frame(frame.index, t, frame.image)):
                                counters.events += 1
                                yield event
                except AlprError as exc:
                    message = exc.message
            if stop.is_set():
                break
            reconnects += 1
            # While the stream is down, time passes for the open tracks: their FINALs still go out.
            until = time.monotonic() + delay
            while not stop.is_set() and time.monotonic() < until:
                for event in session.advance(time.monotonic() - start):
                    counters.events += 1
                    yield event
                stop.wait(min(_IDLE_TICK_S, max(0.0, until - time.monotonic())))
            delay = min(delay * 2, video.reconnect_max_s)
        for event in session.finish():
            counters.events += 1
            yield event
        yield StreamStatus(StreamState.STOPPED, "stopped", reconnects)
