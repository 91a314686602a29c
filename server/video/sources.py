"""Frame sources: where a video session's frames come from (an upload, a file, a live URL).

Each is a `FrameSource` (server.video.ports): `open()` gives a `VideoReader` whose `frames()` the
plane's loops feed to a session; `live` says whether it is reopened with backoff when it ends (a
camera) or read once (a file). Client frame streams (TrackFrames) push frames instead: see
`VideoPlane.track_frames`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from server.errors import AlprError, InvalidInputError, InvalidPathError, Reason
from server.video.decode import VideoLimits, VideoReader

STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")
_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s'\"]*@")


@dataclass(frozen=True)
class UploadedVideo:
    """A video sent in a request (ProcessVideo, POST /video/process)."""

    data: bytes
    live = False

    def describe(self) -> str:
        """What the logs show."""
        return f"upload of {len(self.data)} bytes"

    def open(self, limits: VideoLimits) -> VideoReader:
        """The decoder over the bytes, judged by their content."""
        return VideoReader.from_bytes(self.data, limits)


@dataclass(frozen=True)
class VideoFile:
    """A video file on this machine (under video.allowed_dirs when a client names it)."""

    path: Path
    live = False

    def describe(self) -> str:
        """What the logs show."""
        return self.path.name

    def open(self, limits: VideoLimits) -> VideoReader:
        """The decoder over the file."""
        return VideoReader.from_path(self.path, limits)


@dataclass(frozen=True)
class LiveStream:
    """A camera's stream URL (rtsp, rtsps, http, https), reopened with backoff when it drops."""

    url: str
    rtsp_transport: str = "tcp"
    live = True

    def describe(self) -> str:
        """The URL without its credentials."""
        return redact(self.url)

    def open(self, limits: VideoLimits) -> VideoReader:
        """The decoder over the stream; StreamUnavailableError when it cannot be opened (the message
        names the URL without its credentials: it reaches logs, /health and clients)."""
        try:
            return VideoReader.from_url(self.url, limits, rtsp_transport=self.rtsp_transport)
        except AlprError as exc:
            exc.message = redact_text(exc.message)
            raise


def is_url(source: str) -> bool:
    """Whether the source is a stream URL (rtsp, rtsps, http, https)."""
    return urlsplit(source).scheme.lower() in STREAM_SCHEMES


def source_for(source: str, allowed_dirs: tuple[Path, ...], *, rtsp_transport: str = "tcp") -> LiveStream | VideoFile:
    """The frame source a client or a camera names: a stream URL, or a file under allowed_dirs
    (InvalidPathError elsewhere); InvalidInputError for an empty or unsupported source."""
    if not source.strip():
        raise InvalidInputError("No stream given: url is empty", reason=Reason.INVALID_REQUEST)
    if is_url(source):
        return LiveStream(source, rtsp_transport)
    scheme = urlsplit(source).scheme.lower()
    if scheme and scheme != "file" and len(scheme) > 1:  # "C:" style drive letters are not schemes
        raise InvalidInputError(f"Unsupported stream scheme {scheme!r}: use rtsp, http(s) or an allowed file",
                                reason=Reason.UNSUPPORTED_STREAM)
    path = Path(urlsplit(source).path if scheme == "file" else source).resolve()
    for root in allowed_dirs:
        if path.is_relative_to(root.resolve()):
            if not path.is_file():
                raise InvalidPathError(f"No such video file: {path.name}")
            return VideoFile(path)
    raise InvalidPathError("Files can only be watched under the configured video.allowed_dirs")


def redact(url: str) -> str:
    """The URL without a user:password part (for logs, /health and /stats)."""
    parts = urlsplit(url)
    if not parts.username and not parts.password:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Any URL's user:password part removed from a message (decoder errors quote the URL they opened)."""
    return _CREDENTIALS.sub(r"\1", text)
