from __future__ import annotations

import cv2
import numpy as np
import pytest

from server.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    ImageTooSmallError,
    UnsupportedFormatError,
)
from server.imaging.decode import decode_image

FORMATS = (".jpg", ".jpeg", ".png")


def encode(ext: str, w: int = 320, h: int = 240) -> bytes:
    image = np.full((h, w, 3), 127, np.uint8)
    cv2.rectangle(image, (10, 10), (w // 2, h // 2), (0, 0, 255), -1)
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return bytes(buf.tobytes())


def decode(data: bytes, name: str = "a.jpg", min_size: tuple[int, int] | None = (224, 224)) -> object:
    return decode_image(data, file_name=name, allowed_extensions=FORMATS, max_bytes=1_000_000, min_size=min_size)


def test_jpeg_and_png_decode_by_content() -> None:
    jpg = decode_image(encode(".jpg"), file_name="x.jpg", allowed_extensions=FORMATS, max_bytes=10**6,
                       min_size=(224, 224))
    png = decode_image(encode(".png"), file_name="", allowed_extensions=FORMATS, max_bytes=10**6,
                       min_size=(224, 224))
    assert (jpg.width, jpg.height, jpg.format) == (320, 240, "jpeg")
    assert (png.format, png.extension) == ("png", ".png")


def test_empty_file() -> None:
    with pytest.raises(EmptyImageError):
        decode(b"")


def test_too_large() -> None:
    with pytest.raises(ImageTooLargeError):
        decode_image(encode(".png"), file_name="a.png", allowed_extensions=FORMATS, max_bytes=100, min_size=None)


@pytest.mark.parametrize(("data", "name"), [
    (b"GIF89a" + b"\x00" * 100, "a.gif"),
    (b"GIF89a" + b"\x00" * 100, "a.jpg"),   # extension lies: content decides
    (b"just some text", "notes.jpg"),
    (b"BM" + b"\x00" * 100, "a.bmp"),
])
def test_unsupported_formats(data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedFormatError, match="Allowed formats"):
        decode(data, name)


def test_allowed_content_with_disallowed_extension() -> None:
    with pytest.raises(UnsupportedFormatError):
        decode(encode(".jpg"), "photo.gif")


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_truncated_images_are_corrupt(ext: str) -> None:
    data = encode(ext)
    with pytest.raises(CorruptImageError):
        decode(data[: len(data) // 2], "a" + ext)


def test_garbage_after_magic_is_corrupt() -> None:
    with pytest.raises(CorruptImageError):
        decode(b"\xff\xd8\xff\xe0" + b"\x13" * 2000 + b"\xff\xda" + b"\x00" * 10 + b"\xff\xd9")


def test_scene_minimum_applies_only_to_scenes() -> None:
    small = encode(".jpg", 200, 100)
    with pytest.raises(ImageTooSmallError, match="224x224"):
        decode(small)
    crop = decode(small, min_size=None)
    assert crop.width == 200  # type: ignore[attr-defined]
