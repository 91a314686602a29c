"""The service's exception hierarchy, drawn in one place.

Each error carries a machine-readable `reason` (google.rpc.ErrorInfo.reason) and a
`code` name from google.rpc.Code. The transports map these once: gRPC in
server/grpc_api/status.py, HTTP in rest_bridge/errors.py (from the gRPC code).
"""

from __future__ import annotations


class AlprError(Exception):
    """Base of every error the service reports on purpose."""

    code = "INTERNAL"
    reason = "INTERNAL"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason


class InvalidInputError(AlprError):
    """The request itself is wrong (format, size, timestamp, path...)."""

    code = "INVALID_ARGUMENT"
    reason = "INVALID_ARGUMENT"


class UnsupportedFormatError(InvalidInputError):
    """The image is not one of the configured formats (judged by content)."""

    reason = "UNSUPPORTED_FORMAT"


class CorruptImageError(InvalidInputError):
    """The bytes claim an image format but do not decode."""

    reason = "CORRUPT_IMAGE"


class EmptyImageError(InvalidInputError):
    """No bytes were sent."""

    reason = "EMPTY_FILE"


class ImageTooSmallError(InvalidInputError):
    """A scene image below the minimum resolution."""

    reason = "IMAGE_TOO_SMALL"


class InvalidTimestampError(InvalidInputError):
    """custom_timestamp is not in a documented format."""

    reason = "INVALID_TIMESTAMP"


class InvalidPathError(InvalidInputError):
    """An image path that leaves the output root or is malformed."""

    reason = "INVALID_PATH"


class ImageTooLargeError(AlprError):
    """The upload is over the size limit."""

    code = "RESOURCE_EXHAUSTED"
    reason = "IMAGE_TOO_LARGE"


class NotFoundError(AlprError):
    """A requested stored image does not exist."""

    code = "NOT_FOUND"
    reason = "NOT_FOUND"


class ModelUnavailableError(AlprError):
    """A model needed by a stage is not loaded."""

    code = "UNAVAILABLE"
    reason = "MODEL_UNAVAILABLE"


class OcrError(AlprError):
    """An OCR provider failed (network, quota, bad answer)."""

    code = "UNAVAILABLE"
    reason = "OCR_FAILED"


class OcrTimeoutError(OcrError):
    """The OCR provider did not answer within its time budget."""

    code = "DEADLINE_EXCEEDED"
    reason = "OCR_TIMEOUT"


class OcrRateLimitedError(OcrError):
    """The OCR provider's rate limit (ours or theirs) was hit."""

    code = "RESOURCE_EXHAUSTED"
    reason = "OCR_RATE_LIMITED"


class ConfigError(Exception):
    """The configuration is invalid; raised at start-up with a clear message."""


class NotAVideoError(InvalidInputError):
    """The bytes are not a video container we can read (judged by content)."""

    reason = "NOT_A_VIDEO"


class TruncatedVideoError(InvalidInputError):
    """The video stops part-way: its data ends before its frames do."""

    reason = "VIDEO_TRUNCATED"


class EmptyVideoError(InvalidInputError):
    """The video holds no decodable frame."""

    reason = "VIDEO_EMPTY"


class VideoResolutionError(InvalidInputError):
    """The video's frame size is below the minimum or above the maximum."""

    reason = "VIDEO_RESOLUTION"


class VideoTooLongError(InvalidInputError):
    """The video is over the duration limit."""

    reason = "VIDEO_TOO_LONG"


class VideoTooLargeError(AlprError):
    """The video upload is over the size limit."""

    code = "RESOURCE_EXHAUSTED"
    reason = "VIDEO_TOO_LARGE"


class StreamUnavailableError(AlprError):
    """A camera or stream URL cannot be opened or stopped delivering frames."""

    code = "UNAVAILABLE"
    reason = "STREAM_UNAVAILABLE"
