"""The service's error vocabulary and exception hierarchy, drawn in one place.

Every machine-readable `reason` the service or the REST bridge can answer is a `Reason` here,
with the google.rpc.Code that carries it (REASON_CODES). Each error carries its `reason`
(google.rpc.ErrorInfo.reason, ItemError.reason, the REST `reason`) and `code`. The transports
map these once: gRPC in server/grpc_api/status.py, HTTP in rest_bridge/errors.py (from the code).
"""

from __future__ import annotations

from typing import Final


class Reason:
    """Every `reason` code (a plain string on the wire)."""

    # Bad input: INVALID_ARGUMENT (HTTP 400).
    INVALID_ARGUMENT: Final = "INVALID_ARGUMENT"
    UNSUPPORTED_FORMAT: Final = "UNSUPPORTED_FORMAT"
    CORRUPT_IMAGE: Final = "CORRUPT_IMAGE"
    EMPTY_FILE: Final = "EMPTY_FILE"
    IMAGE_TOO_SMALL: Final = "IMAGE_TOO_SMALL"
    INVALID_TIMESTAMP: Final = "INVALID_TIMESTAMP"
    INVALID_PATH: Final = "INVALID_PATH"
    NOT_A_VIDEO: Final = "NOT_A_VIDEO"
    VIDEO_TRUNCATED: Final = "VIDEO_TRUNCATED"
    VIDEO_EMPTY: Final = "VIDEO_EMPTY"
    VIDEO_RESOLUTION: Final = "VIDEO_RESOLUTION"
    VIDEO_TOO_LONG: Final = "VIDEO_TOO_LONG"
    UNSUPPORTED_STREAM: Final = "UNSUPPORTED_STREAM"
    UNKNOWN_CAMERA: Final = "UNKNOWN_CAMERA"
    INVALID_REQUEST: Final = "INVALID_REQUEST"  # the REST request's shape (a missing field, ...)
    NO_FILES: Final = "NO_FILES"
    BATCH_FAILED: Final = "BATCH_FAILED"  # every image of a batch failed (each has its own error)
    TOO_MANY_FILES: Final = "TOO_MANY_FILES"
    # The read history (server/history): a search or watch-list entry that cannot be used.
    INVALID_QUERY: Final = "INVALID_QUERY"  # limit, match, max_distance or time range out of bounds
    INVALID_CURSOR: Final = "INVALID_CURSOR"
    INVALID_TIME: Final = "INVALID_TIME"
    INVALID_PLATE: Final = "INVALID_PLATE"
    INVALID_WEBHOOK_URL: Final = "INVALID_WEBHOOK_URL"
    # Too big: RESOURCE_EXHAUSTED (413); rate limited: RESOURCE_EXHAUSTED (429).
    RESOURCE_EXHAUSTED: Final = "RESOURCE_EXHAUSTED"
    IMAGE_TOO_LARGE: Final = "IMAGE_TOO_LARGE"
    VIDEO_TOO_LARGE: Final = "VIDEO_TOO_LARGE"
    REQUEST_TOO_LARGE: Final = "REQUEST_TOO_LARGE"
    HEADERS_TOO_LARGE: Final = "HEADERS_TOO_LARGE"  # the bridge: request headers over its limit (HTTP 431)
    OCR_RATE_LIMITED: Final = "OCR_RATE_LIMITED"
    IMAGE_TOO_MANY_PIXELS: Final = "IMAGE_TOO_MANY_PIXELS"  # declared width x height over limits.max_pixels
    RATE_LIMITED: Final = "RATE_LIMITED"  # the bridge's per-key rate limit (429 + Retry-After)
    # Shed: the server is at its bound of in-flight work (RESOURCE_EXHAUSTED; HTTP 429 + Retry-After).
    OVERLOADED: Final = "OVERLOADED"
    # Missing: NOT_FOUND (404).
    NOT_FOUND: Final = "NOT_FOUND"
    WATCHLIST_ENTRY_NOT_FOUND: Final = "WATCHLIST_ENTRY_NOT_FOUND"
    # Cannot run now: UNAVAILABLE (503).
    UNAVAILABLE: Final = "UNAVAILABLE"
    BACKEND_UNAVAILABLE: Final = "BACKEND_UNAVAILABLE"  # the bridge cannot reach the gRPC server
    MODEL_UNAVAILABLE: Final = "MODEL_UNAVAILABLE"
    STREAM_UNAVAILABLE: Final = "STREAM_UNAVAILABLE"  # a camera or stream URL cannot be read
    STREAM_LIMIT: Final = "STREAM_LIMIT"  # every long-lived video stream slot is taken: try later
    HISTORY_DISABLED: Final = "HISTORY_DISABLED"  # history.enabled is false
    OCR_FAILED: Final = "OCR_FAILED"
    OCR_MODEL_NOT_FOUND: Final = "OCR_MODEL_NOT_FOUND"
    OCR_AUTH_FAILED: Final = "OCR_AUTH_FAILED"
    OCR_BAD_RESPONSE: Final = "OCR_BAD_RESPONSE"
    OCR_BAD_INPUT: Final = "OCR_BAD_INPUT"
    OCR_CIRCUIT_OPEN: Final = "OCR_CIRCUIT_OPEN"  # Gemini skipped after repeated failures
    SHUTTING_DOWN: Final = "SHUTTING_DOWN"  # received while the server drains: send it again
    # No or wrong API key: UNAUTHENTICATED (401).
    UNAUTHENTICATED: Final = "UNAUTHENTICATED"
    # Out of time: DEADLINE_EXCEEDED (504).
    DEADLINE_EXCEEDED: Final = "DEADLINE_EXCEEDED"
    OCR_TIMEOUT: Final = "OCR_TIMEOUT"
    STREAM_IDLE: Final = "STREAM_IDLE"  # a stream sent nothing for server.stream_idle_timeout_s
    REQUEST_TIMEOUT: Final = "REQUEST_TIMEOUT"  # the bridge's header/body read timeout
    # Our fault: INTERNAL (500).
    INTERNAL: Final = "INTERNAL"
    HTTP_ERROR: Final = "HTTP_ERROR"  # an HTTP-level error of the bridge (unknown route, wrong method)


# The google.rpc.Code name that carries each reason.
REASON_CODES: Final[dict[str, str]] = {
    **dict.fromkeys((Reason.INVALID_ARGUMENT, Reason.UNSUPPORTED_FORMAT, Reason.CORRUPT_IMAGE, Reason.EMPTY_FILE,
                     Reason.IMAGE_TOO_SMALL, Reason.INVALID_TIMESTAMP, Reason.INVALID_PATH, Reason.INVALID_REQUEST,
                     Reason.NO_FILES, Reason.TOO_MANY_FILES, Reason.BATCH_FAILED, Reason.NOT_A_VIDEO,
                     Reason.VIDEO_TRUNCATED, Reason.VIDEO_EMPTY, Reason.VIDEO_RESOLUTION, Reason.VIDEO_TOO_LONG,
                     Reason.UNSUPPORTED_STREAM, Reason.UNKNOWN_CAMERA, Reason.INVALID_QUERY, Reason.INVALID_CURSOR,
                     Reason.INVALID_TIME, Reason.INVALID_PLATE, Reason.INVALID_WEBHOOK_URL), "INVALID_ARGUMENT"),
    **dict.fromkeys((Reason.RESOURCE_EXHAUSTED, Reason.IMAGE_TOO_LARGE, Reason.VIDEO_TOO_LARGE,
                     Reason.REQUEST_TOO_LARGE, Reason.OCR_RATE_LIMITED, Reason.IMAGE_TOO_MANY_PIXELS,
                     Reason.RATE_LIMITED, Reason.OVERLOADED, Reason.HEADERS_TOO_LARGE),
                    "RESOURCE_EXHAUSTED"),
    **dict.fromkeys((Reason.NOT_FOUND, Reason.WATCHLIST_ENTRY_NOT_FOUND), "NOT_FOUND"),
    **dict.fromkeys((Reason.UNAVAILABLE, Reason.BACKEND_UNAVAILABLE, Reason.MODEL_UNAVAILABLE,
                     Reason.STREAM_UNAVAILABLE, Reason.STREAM_LIMIT, Reason.HISTORY_DISABLED, Reason.OCR_FAILED,
                     Reason.OCR_MODEL_NOT_FOUND, Reason.OCR_AUTH_FAILED, Reason.OCR_BAD_RESPONSE,
                     Reason.OCR_BAD_INPUT, Reason.OCR_CIRCUIT_OPEN, Reason.SHUTTING_DOWN), "UNAVAILABLE"),
    **dict.fromkeys((Reason.DEADLINE_EXCEEDED, Reason.OCR_TIMEOUT, Reason.STREAM_IDLE, Reason.REQUEST_TIMEOUT),
                    "DEADLINE_EXCEEDED"),
    Reason.UNAUTHENTICATED: "UNAUTHENTICATED",
    **dict.fromkeys((Reason.INTERNAL, Reason.HTTP_ERROR), "INTERNAL"),
}


def code_of(reason: str) -> str:
    """The google.rpc.Code name for a reason (INTERNAL for one not in the vocabulary)."""
    return REASON_CODES.get(reason, "INTERNAL")


class AlprError(Exception):
    """Base of every error the service reports on purpose; its gRPC code follows from its reason (REASON_CODES)."""

    reason: str = Reason.INTERNAL

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason

    @property
    def code(self) -> str:
        """The google.rpc.Code name of this error (stated once, in REASON_CODES)."""
        return code_of(self.reason)


class InvalidInputError(AlprError):
    """The request itself is wrong (format, size, timestamp, path...)."""

    reason: str = Reason.INVALID_ARGUMENT


class UnsupportedFormatError(InvalidInputError):
    """The image is not one of the configured formats (judged by content)."""

    reason: str = Reason.UNSUPPORTED_FORMAT


class CorruptImageError(InvalidInputError):
    """The bytes claim an image format but do not decode."""

    reason: str = Reason.CORRUPT_IMAGE


class EmptyImageError(InvalidInputError):
    """No bytes were sent."""

    reason: str = Reason.EMPTY_FILE


class ImageTooSmallError(InvalidInputError):
    """A scene image below the minimum resolution."""

    reason: str = Reason.IMAGE_TOO_SMALL


class InvalidTimestampError(InvalidInputError):
    """custom_timestamp is not in a documented format."""

    reason: str = Reason.INVALID_TIMESTAMP


class InvalidPathError(InvalidInputError):
    """An image path that leaves the output root or is malformed."""

    reason: str = Reason.INVALID_PATH


class ImageTooLargeError(AlprError):
    """The upload is over the size limit."""

    reason: str = Reason.IMAGE_TOO_LARGE


class OverloadedError(AlprError):
    """The server is at its bound of in-flight work: retry after `retry_after_s`."""

    reason: str = Reason.OVERLOADED

    def __init__(self, message: str, *, retry_after_s: float, reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.retry_after_s = retry_after_s


class ShuttingDownError(AlprError):
    """The server is draining: the item was received but will not be processed here."""

    reason: str = Reason.SHUTTING_DOWN


class StreamIdleError(AlprError):
    """A stream sent nothing for longer than server.stream_idle_timeout_s."""

    reason: str = Reason.STREAM_IDLE


class NotFoundError(AlprError):
    """A requested stored image does not exist."""

    reason: str = Reason.NOT_FOUND


class ModelUnavailableError(AlprError):
    """A model needed by a stage is not loaded."""

    reason: str = Reason.MODEL_UNAVAILABLE


class HistoryDisabledError(AlprError):
    """The read history is switched off (history.enabled: false)."""

    reason: str = Reason.HISTORY_DISABLED


class OcrError(AlprError):
    """An OCR provider failed (network, quota, bad answer)."""

    reason: str = Reason.OCR_FAILED


class OcrTimeoutError(OcrError):
    """The OCR provider did not answer within its time budget."""

    reason: str = Reason.OCR_TIMEOUT


class OcrRateLimitedError(OcrError):
    """The OCR provider's rate limit (ours or theirs) was hit."""

    reason: str = Reason.OCR_RATE_LIMITED


class ConfigError(Exception):
    """The configuration is invalid; raised at start-up with a clear message."""


class NotAVideoError(InvalidInputError):
    """The bytes are not a video container we can read (judged by content)."""

    reason: str = Reason.NOT_A_VIDEO


class TruncatedVideoError(InvalidInputError):
    """The video stops part-way: its data ends before its frames do."""

    reason: str = Reason.VIDEO_TRUNCATED


class EmptyVideoError(InvalidInputError):
    """The video holds no decodable frame."""

    reason: str = Reason.VIDEO_EMPTY


class VideoResolutionError(InvalidInputError):
    """The video's frame size is below the minimum or above the maximum."""

    reason: str = Reason.VIDEO_RESOLUTION


class VideoTooLongError(InvalidInputError):
    """The video is over the duration limit."""

    reason: str = Reason.VIDEO_TOO_LONG


class VideoTooLargeError(AlprError):
    """The video upload is over the size limit."""

    reason: str = Reason.VIDEO_TOO_LARGE


class StreamUnavailableError(AlprError):
    """A camera or stream URL cannot be opened or stopped delivering frames."""

    reason: str = Reason.STREAM_UNAVAILABLE
