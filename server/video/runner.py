"""Runs a decoded video through a session: events as they happen, then the summary."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from server.video.decode import VideoReader
from server.video.events import TrackEvent, VehicleReport
from server.video.sampling import FrameSampler
from server.video.session import VideoSession


@dataclass(frozen=True)
class VideoProgress:
    """How far the decoding has got (seconds of video), about once per second of video."""

    time_s: float
    duration_s: float
    frames_processed: int


@dataclass(frozen=True)
class VideoSummary:
    """A processed video: what it was, what was analysed, every vehicle reported, the time taken."""

    frames: int
    frames_processed: int
    fps: float
    duration_s: float
    width: int
    height: int
    vehicles: tuple[VehicleReport, ...]
    processing_time_ms: float
    stage_times_ms: dict[str, float]


def run_video(reader: VideoReader, session: VideoSession, sample_fps: float,
              ) -> Iterator[TrackEvent | VideoProgress | VideoSummary]:
    """Events of every analysed frame (and a VideoProgress each second of video), the FINALs of the end,
    then one VideoSummary (last)."""
    start = time.perf_counter()
    sampler = FrameSampler(sample_fps)
    decode_ms = 0.0
    last_t = 0.0
    next_progress = 1.0
    mark = time.perf_counter()
    for frame in reader.frames(sampler):
        decode_ms += (time.perf_counter() - mark) * 1e3
        last_t = frame.t_s
        yield from session.process(frame)
        if frame.t_s >= next_progress:
            next_progress = frame.t_s + 1.0
            yield VideoProgress(round(frame.t_s, 3), round(reader.info.duration_s, 3),
                                session.stats.frames_processed)
        mark = time.perf_counter()
    decode_ms += (time.perf_counter() - mark) * 1e3
    yield from session.finish()
    info = reader.info
    duration = info.duration_s or (last_t + 1.0 / info.fps if info.fps else last_t)
    yield VideoSummary(
        frames=reader.decoded_frames, frames_processed=session.stats.frames_processed, fps=round(info.fps, 3),
        duration_s=round(duration, 3), width=info.width, height=info.height,
        vehicles=tuple(sorted(session.reports, key=lambda r: r.track_id)),
        processing_time_ms=round((time.perf_counter() - start) * 1e3, 1),
        stage_times_ms={"decode": round(decode_ms, 1), **{k: round(v, 1) for k, v in session.stats.times_ms.items()}},
    )
