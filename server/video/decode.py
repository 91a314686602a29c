"""Decoding a video (bytes, file or stream URL) with PyAV, with the domain's errors for bad input."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import av
import av.container

from server.config import LimitSettings
from server.domain import Image
from server.errors import (
    EmptyVideoError,
    NotAVideoError,
    Reason,
    StreamUnavailableError,
    TruncatedVideoError,
    VideoResolutionError,
    VideoTooLargeError,
    VideoTooLongError,
)
from server.video.containers import sniff_container
from server.video.frames import Frame, VideoInfo

Keep = Callable[[float], bool]
_FALLBACK_FPS = 25.0


@dataclass(frozen=True)
class VideoLimits:
    """What a video may be: bytes (uploads), seconds and frame size."""

    max_bytes: int
    max_duration_s: float
    min_width: int
    min_height: int
    max_width: int
    max_height: int

    @classmethod
    def from_settings(cls, limits: LimitSettings) -> VideoLimits:
        """The video limits of the configuration's `limits` section."""
        return cls(limits.max_video_bytes, limits.max_video_duration_s, limits.min_video_width,
                   limits.min_video_height, limits.max_video_width, limits.max_video_height)


def check_size(size: int, limits: VideoLimits) -> None:
    """VideoTooLargeError when an upload is over the byte limit."""
    if size > limits.max_bytes:
        raise VideoTooLargeError(
            f"Video too large: {size} bytes, the limit is {limits.max_bytes} bytes")


class VideoReader:
    """One opened video source; `frames()` yields its frames, raising the domain's errors."""

    def __init__(self, container: av.container.InputContainer, limits: VideoLimits, *, live: bool) -> None:
        self._container = container
        self._limits = limits
        self._live = live
        if not container.streams.video:
            container.close()
            raise NotAVideoError("Not a video: the file holds no video stream")
        self._stream = container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self.info = self._probe()
        self.decoded_frames = 0
        self._check_resolution(self.info.width, self.info.height)
        if not live and self.info.duration_s > limits.max_duration_s:
            container.close()
            raise VideoTooLongError(
                f"Video too long: {self.info.duration_s:.1f} s, the limit is {limits.max_duration_s:g} s")

    # ---- opening ---------------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes, limits: VideoLimits) -> VideoReader:
        """An uploaded video, judged by its content (mp4, mov, avi, mkv, webm)."""
        if not data:
            raise EmptyVideoError("Empty file: no video data was sent", reason=Reason.EMPTY_FILE)
        check_size(len(data), limits)
        family = sniff_container(data[:16])
        try:
            container = av.open(io.BytesIO(data), mode="r")
        except av.error.EOFError as exc:  # a container header, then nothing
            raise EmptyVideoError(f"The video holds no frame: its data ends after the {family} header") from exc
        except av.FFmpegError as exc:
            raise TruncatedVideoError(
                f"Truncated or corrupt video: a {family} container that cannot be read ({exc})") from exc
        return cls(container, limits, live=False)

    @classmethod
    def from_path(cls, path: Path, limits: VideoLimits) -> VideoReader:
        """A video file on disk (its content is judged like an upload's)."""
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
            size = path.stat().st_size
        except OSError as exc:
            raise StreamUnavailableError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
        check_size(size, limits)
        family = sniff_container(head)
        try:
            container = av.open(str(path), mode="r")
        except av.FFmpegError as exc:
            raise TruncatedVideoError(
                f"Truncated or corrupt video: a {family} container that cannot be read ({exc})") from exc
        return cls(container, limits, live=False)

    @classmethod
    def from_url(cls, url: str, limits: VideoLimits, *, timeout_s: float = 5.0,
                 rtsp_transport: str = "tcp") -> VideoReader:
        """A live stream (rtsp://, http(s)://; RTP over `rtsp_transport`, tcp or udp); StreamUnavailableError
        when it cannot be opened."""
        options: dict[str, str] = {}
        if url.startswith(("rtsp://", "rtsps://")):
            options["rtsp_transport"] = rtsp_transport
        try:
            container: Any = av.open(url, mode="r", options=options, timeout=(timeout_s, timeout_s))
        except (av.FFmpegError, OSError) as exc:
            raise StreamUnavailableError(f"Cannot open stream: {exc}") from exc
        return cls(container, limits, live=True)

    # ---- reading ---------------------------------------------------------------------------
    def _probe(self) -> VideoInfo:
        stream, container = self._stream, self._container
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else _FALLBACK_FPS
        duration_s = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration_s = container.duration / 1_000_000
        frames = stream.frames or (round(duration_s * fps) if duration_s else 0)
        ctx = stream.codec_context
        return VideoInfo(width=ctx.width, height=ctx.height, fps=fps, frames=frames, duration_s=duration_s,
                         codec=ctx.name, container=container.format.name)

    def _check_resolution(self, width: int, height: int) -> None:
        lim = self._limits
        if width == 0 and height == 0:
            return  # not known before the first frame (some live streams)
        if not (lim.min_width <= width <= lim.max_width and lim.min_height <= height <= lim.max_height):
            self._container.close()
            raise VideoResolutionError(
                f"Unsupported video resolution {width}x{height}: frames must be between "
                f"{lim.min_width}x{lim.min_height} and {lim.max_width}x{lim.max_height}")

    def frames(self, keep: Keep | None = None) -> Iterator[Frame]:
        """Every frame's time; the pixels (BGR) of those `keep(t_s)` accepts. Raises at the end if truncated."""
        first: float | None = None
        index = -1
        try:
            for packet in self._container.demux(self._stream):
                for frame in packet.decode():
                    index += 1
                    self.decoded_frames += 1
                    t = frame.time
                    if t is None:
                        t = index / self.info.fps
                    if first is None:
                        first = t
                        self._check_resolution(frame.width, frame.height)
                    t_s = max(0.0, t - first)
                    if not self._live and t_s > self._limits.max_duration_s:
                        raise VideoTooLongError(
                            f"Video too long: over the limit of {self._limits.max_duration_s:g} s")
                    if keep is None or keep(t_s):
                        yield Frame(index, t_s, cast(Image, frame.to_ndarray(format="bgr24")))
        except av.FFmpegError as exc:
            if self._live:
                raise StreamUnavailableError(f"Stream stopped: {exc}") from exc
            if self.decoded_frames == 0:
                raise EmptyVideoError(f"No decodable frame in the video ({exc})") from exc
            raise TruncatedVideoError(
                f"Truncated video: decoding stopped after {self.decoded_frames} frames ({exc})") from exc
        if self.decoded_frames == 0:
            if self._live:
                raise StreamUnavailableError("Stream ended before its first frame")
            raise EmptyVideoError("The video holds no frame")
        if not self._live:
            self._check_complete()

    def _check_complete(self) -> None:
        """TruncatedVideoError when clearly fewer frames came than the container announced."""
        info = self.info
        expected = info.frames
        if expected and self.decoded_frames < expected * 0.95 - 1:
            raise TruncatedVideoError(
                f"Truncated video: {self.decoded_frames} of {expected} frames could be decoded")

    def close(self) -> None:
        """Release the container."""
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
