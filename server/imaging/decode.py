"""Decode uploaded bytes into an image, judging the format by content."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

import cv2
import numpy as np

from server.domain import Image
from server.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    ImageTooSmallError,
    Reason,
    UnsupportedFormatError,
)
from server.imaging.header import ImageHeader, jpeg_header, png_header

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 50_000_000

_FORMAT_EXTENSIONS = {"jpeg": (".jpg", ".jpeg"), "png": (".png",)}


@dataclass(frozen=True)
class DecodedImage:
    """A decoded upload: pixels plus what we learnt about the bytes."""

    image: Image
    format: str  # "jpeg" or "png"
    extension: str  # the canonical extension for saving (".jpg" or ".png")

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.image.shape[0])


class DecodeGate:
    """Caps how many large images are decoded at once (each may need hundreds of MiB)."""

    def __init__(self, large_pixels: int, slots: int) -> None:
        self.large_pixels = large_pixels
        self._slots = threading.BoundedSemaphore(max(1, slots))

    @contextmanager
    def admit(self, pixels: int) -> Iterator[None]:
        """Hold a slot while decoding an image of `pixels` when it counts as large."""
        if pixels < self.large_pixels:
            yield
            return
        with self._slots:
            yield


def read_header(data: bytes, fmt: str, *, max_pixels: int) -> ImageHeader:
    """The declared size, refused when over max_pixels, before any pixel is decoded."""
    header = jpeg_header(data, max_pixels=max_pixels) if fmt == "jpeg" else png_header(data, max_pixels=max_pixels)
    if header.pixels > max_pixels:
        raise ImageTooLargeError(
            f"Image declares {header.width}x{header.height} = {header.pixels} pixels; at most {max_pixels} "
            "pixels are accepted", reason=Reason.IMAGE_TOO_MANY_PIXELS)
    return header


def _imdecode(data: bytes, fmt: str) -> Image | None:
    try:
        image: Image | None = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)  # type: ignore[assignment]
    except cv2.error as exc:
        raise CorruptImageError(f"The {fmt.upper()} image could not be decoded ({exc.err or 'decoder error'})") from exc
    except MemoryError as exc:
        raise ImageTooLargeError(f"The {fmt.upper()} image is too large to decode",
                                 reason=Reason.IMAGE_TOO_MANY_PIXELS) from exc
    return image


def sniff_format(data: bytes) -> str | None:
    """The image format named by the leading bytes, or None."""
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    return None


def _looks_truncated(data: bytes, fmt: str) -> bool:
    if fmt == "jpeg":
        # The last scan must be followed by an end-of-image marker.
        return data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda")
    return data.rfind(b"IEND") == -1


def _allowed_message(allowed: tuple[str, ...]) -> str:
    return f"Unsupported file format. Allowed formats: {list(allowed)}"


def decode_image(
    data: bytes,
    *,
    file_name: str,
    allowed_extensions: tuple[str, ...],
    max_bytes: int,
    min_size: tuple[int, int] | None,
    max_pixels: int = MAX_PIXELS,
    gate: DecodeGate | None = None,
) -> DecodedImage:
    """Validate and decode an upload.

    Args:
        data: the uploaded bytes.
        file_name: the client's file name; its extension, when present, must be allowed.
        allowed_extensions: configured extensions such as (".jpg", ".jpeg", ".png").
        max_bytes: size limit.
        min_size: (width, height) minimum for scene images; None for plate crops.
        max_pixels: the most pixels an image may declare (checked from the header, before decoding).
        gate: caps concurrent decodes of large images.

    Raises:
        EmptyImageError, ImageTooLargeError, UnsupportedFormatError, CorruptImageError,
        ImageTooSmallError.
    """
    if not data:
        raise EmptyImageError("Empty file: no image data received")
    if len(data) > max_bytes:
        raise ImageTooLargeError(
            f"Image is {len(data)} bytes; the maximum is {max_bytes} bytes ({max_bytes // (1024 * 1024)} MB)"
        )
    suffix = PurePath(file_name).suffix.lower() if file_name else ""
    if suffix and suffix not in allowed_extensions:
        raise UnsupportedFormatError(_allowed_message(allowed_extensions))
    fmt = sniff_format(data)
    if fmt is None or not set(_FORMAT_EXTENSIONS[fmt]) & set(allowed_extensions):
        raise UnsupportedFormatError(
            _allowed_message(allowed_extensions) + " (the file content is not a JPEG or PNG image)"
        )
    if _looks_truncated(data, fmt):
        raise CorruptImageError(f"The {fmt.upper()} image is truncated or corrupt")
    header = read_header(data, fmt, max_pixels=max_pixels)
    if min_size is not None and (header.width < min_size[0] or header.height < min_size[1]):
        raise ImageTooSmallError(
            f"Image is {header.width}x{header.height}; the minimum resolution is {min_size[0]}x{min_size[1]} pixels"
        )
    if gate is None:
        image = _imdecode(data, fmt)
    else:
        with gate.admit(header.pixels):
            image = _imdecode(data, fmt)
    if image is None or image.size == 0:
        raise CorruptImageError(f"The {fmt.upper()} image could not be decoded (corrupt data)")
    height, width = image.shape[:2]
    if width * height > max_pixels:
        raise ImageTooLargeError(f"Image is {width}x{height}; at most {max_pixels} pixels are accepted",
                                 reason=Reason.IMAGE_TOO_MANY_PIXELS)
    if min_size is not None and (width < min_size[0] or height < min_size[1]):
        raise ImageTooSmallError(
            f"Image is {width}x{height}; the minimum resolution is {min_size[0]}x{min_size[1]} pixels"
        )
    return DecodedImage(image=image, format=fmt, extension=_FORMAT_EXTENSIONS[fmt][0])
