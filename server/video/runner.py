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
              progress: list[float] | None = None) -> Iterator[TrackEvent | VideoSummary]:
    """Events of every analysed frame, the FINALs of the end, then one VideoSummary (last).

    `progress`, when given, gets the latest frame time appended (for progress reporting).
    """
    start = time.perf_counter()
    sampler = FrameSampler(sample_fps)
    decode_ms = 0.0
    last_t = 0.0
    mark = time.perf_counter()
    for frame in reader.frames(sampler):
        decode_ms += (time.perf_counter() - mark) * 1e3
        last_t = frame.t_s
        yield from session.process(frame)
        if progress is not None:
            progress.append(frame.t_s)
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
