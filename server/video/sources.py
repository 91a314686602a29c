"""Which stream sources WatchStream and cameras may open: URLs by scheme, files under allowed dirs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from server.errors import InvalidInputError, InvalidPathError, Reason

STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")


def is_url(source: str) -> bool:
    """Whether the source is a stream URL (rtsp, rtsps, http, https)."""
    return urlsplit(source).scheme.lower() in STREAM_SCHEMES


def check_source(source: str, allowed_dirs: tuple[Path, ...]) -> str | Path:
    """The URL as given, or the file's resolved path; InvalidPathError for files outside allowed_dirs."""
    if not source.strip():
        raise InvalidInputError("No stream given: url is empty", reason=Reason.INVALID_REQUEST)
    if is_url(source):
        return source
    scheme = urlsplit(source).scheme.lower()
    if scheme and scheme != "file" and len(scheme) > 1:  # "C:" style drive letters are not schemes
        raise InvalidInputError(f"Unsupported stream scheme {scheme!r}: use rtsp, http(s) or an allowed file",
                                reason=Reason.UNSUPPORTED_STREAM)
    path = Path(urlsplit(source).path if scheme == "file" else source).resolve()
    for root in allowed_dirs:
        if path.is_relative_to(root.resolve()):
            if not path.is_file():
                raise InvalidPathError(f"No such video file: {path.name}")
            return path
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
