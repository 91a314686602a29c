"""The transport-free video data plane: uploaded videos, frame streams and watched streams."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
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
from server.video.decode import VideoLimits
from server.video.events import TrackEvent
from server.video.frames import Frame
from server.video.ports import FrameAnalyzer, FrameSource
from server.video.runner import VideoProgress, VideoSummary, run_video
from server.video.sampling import FrameSampler
from server.video.saving import TrackViewSaver
from server.video.session import SessionOptions, VideoSession
from server.video.sources import UploadedVideo, VideoFile, redact_text, source_for
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


@dataclass(frozen=True)
class PushedFrame:
    """A frame a client pushes (TrackFrames): encoded image bytes and the client's own time."""

    request_id: str
    image: bytes
    time_s: float
    source_id: str = ""


@dataclass(frozen=True)
class FrameResult:
    """What one pushed frame caused: its events, or the error of that frame alone."""

    request_id: str
    events: tuple[TrackEvent, ...]
    error: AlprError | None = None


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

    # ---- finite sources: an upload, a file ----------------------------------------------------
    def run(self, source: FrameSource, *, camera_id: str = "", sample_fps: float | None = None,
            ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
        """Decode and track a whole video: events and progress, then its summary (last)."""
        reader = source.open(self.limits)
        with reader:
            session = self.session(camera_id or "video", reader.info.fps)
            yield from run_video(reader, session, self.sample_fps(sample_fps))

    def process_bytes(self, data: bytes, *, camera_id: str = "", sample_fps: float | None = None,
                      ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
        """An uploaded video (run over UploadedVideo)."""
        return self.run(UploadedVideo(data), camera_id=camera_id, sample_fps=sample_fps)

    def process_path(self, path: Path, *, camera_id: str = "", sample_fps: float | None = None,
                     ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
        """A video file on disk (run over VideoFile)."""
        return self.run(VideoFile(path), camera_id=camera_id, sample_fps=sample_fps)

    # ---- client frame streams ------------------------------------------------------------------
    def track_frames(self, frames: Iterable[PushedFrame]) -> Iterator[FrameResult]:
        """One result per pushed frame (its events, or the error that frame alone had), then the FINALs of
        every source's open tracks (request_id ""). One session per source_id."""
        sessions: dict[str, VideoSession] = {}
        rate = self.sample_fps(None) or self.settings.video.client_frame_rate
        for pushed in frames:
            try:
                image = self._decode_frame(pushed.image)
                source = pushed.source_id or "frames"
                session = sessions.get(source)
                if session is None:
                    session = sessions[source] = self.session(source, rate)
                events = session.process(Frame(0, pushed.time_s, image))
            except AlprError as exc:
                yield FrameResult(pushed.request_id, (), exc)
                continue
            yield FrameResult(pushed.request_id, tuple(events))
        yield FrameResult("", tuple(e for s in sessions.values() for e in s.finish()))

    def _decode_frame(self, data: bytes) -> Image:
        """A pushed frame (JPEG or PNG), validated like a scene image."""
        limits = self.settings.limits
        return decode_image(data, file_name="", allowed_extensions=self.settings.image_formats,
                            max_bytes=limits.max_image_bytes,
                            min_size=(limits.min_video_width, limits.min_video_height)).image

    # ---- watched streams -----------------------------------------------------------------------
    def watch(self, source: str, *, source_id: str, stop: threading.Event, sample_fps: float | None = None,
              zones: Zones | None = None, counters: WatchCounters | None = None, rtsp_transport: str | None = None,
              ) -> Iterator[TrackEvent | StreamStatus]:
        """Events and connection changes of a stream until `stop` is set; reopens it with backoff.

        A live URL is timed by the wall clock from the start of the watch (so tracks keep their times
        across reconnects, and open tracks get their FINAL while the stream is down); a file is read
        once, timed by its own timestamps, and the watch ends with it.
        """
        allowed = tuple(self.settings.resolve(d) for d in self.settings.video.allowed_dirs)
        target = source_for(source, allowed, rtsp_transport=rtsp_transport or self.settings.video.rtsp_transport)
        counters = counters or WatchCounters()
        rate = self.sample_fps(sample_fps)
        if not target.live:
            yield StreamStatus(StreamState.STREAMING)
            for item in self.run(target, camera_id=source_id, sample_fps=rate):
                if isinstance(item, TrackEvent):
                    counters.events += 1
                    yield item
            yield StreamStatus(StreamState.STOPPED, "end of file")
            return
        yield from self._watch_live(target, source_id, stop, rate, zones, counters)

    def _watch_live(self, source: FrameSource, source_id: str, stop: threading.Event, rate: float,
                    zones: Zones | None, counters: WatchCounters) -> Iterator[TrackEvent | StreamStatus]:
        video = self.settings.video
        start = time.monotonic()
        session: VideoSession | None = None  # made on the first connection, at the stream's frame rate
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
                reader = source.open(self.limits)
            except AlprError as exc:
                message = exc.message
            else:
                if session is None:
                    session = self.session(source_id, rate or reader.info.fps, zones=zones)
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
                    message = redact_text(exc.message)
            if stop.is_set():
                break
            reconnects += 1
            # While the stream is down, time passes for the open tracks: their FINALs still go out.
            until = time.monotonic() + delay
            while not stop.is_set() and time.monotonic() < until:
                for event in session.advance(time.monotonic() - start) if session is not None else ():
                    counters.events += 1
                    yield event
                stop.wait(min(_IDLE_TICK_S, max(0.0, until - time.monotonic())))
            delay = min(delay * 2, video.reconnect_max_s)
        for event in session.finish() if session is not None else ():
            counters.events += 1
            yield event
        yield StreamStatus(StreamState.STOPPED, "stopped", reconnects)
