"""Hostile headers are refused before decoding; real images of every PNG/JPEG flavour still decode."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from server.errors import AlprError, CorruptImageError, ImageTooLargeError
from server.imaging.decode import DecodeGate, decode_image
from server.imaging.header import jpeg_header, png_header
from tests.reliability.corpus import PNG_MAGIC, hostile_corpus, jpeg_declaring, png_declaring

FORMATS = (".jpg", ".jpeg", ".png")


def decode(data: bytes, max_pixels: int = 50_000_000) -> object:
    return decode_image(data, file_name="", allowed_extensions=FORMATS, max_bytes=20 << 20,
                        min_size=(224, 224), max_pixels=max_pixels, gate=DecodeGate(16_000_000, 1))


@pytest.mark.parametrize(("name", "data", "reason"), list(hostile_corpus()), ids=lambda v: v if isinstance(v, str)
                         and not v.isupper() else "")
def test_every_hostile_input_is_a_clear_domain_error(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(AlprError) as info:
        decode(data)
    assert info.value.reason == reason, (name, info.value.message)


def test_declared_giants_are_too_large_not_corrupt() -> None:
    """413-class (RESOURCE_EXHAUSTED) with a message naming the size and the limit."""
    for data in (png_declaring(65535, 65535), jpeg_declaring(30000, 30000)):
        with pytest.raises(ImageTooLargeError, match="at most 50000000 pixels"):
            decode(data)


def test_pixel_limit_is_configurable() -> None:
    ok, buf = cv2.imencode(".png", np.zeros((300, 400, 3), np.uint8))
    assert ok
    decode(bytes(buf.tobytes()), max_pixels=120_000)
    with pytest.raises(ImageTooLargeError):
        decode(bytes(buf.tobytes()), max_pixels=119_999)


def test_headers_read_without_decoding() -> None:
    assert png_header(png_declaring(65535, 65535)).pixels == 65535 * 65535
    assert (jpeg_header(jpeg_declaring(123, 456)).width, jpeg_header(jpeg_declaring(123, 456)).height) == (123, 456)


def _scene(h: int = 240, w: int = 320) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 255, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("params", [
    [int(cv2.IMWRITE_JPEG_PROGRESSIVE), 1],
    [int(cv2.IMWRITE_JPEG_OPTIMIZE), 1],
    [int(cv2.IMWRITE_JPEG_QUALITY), 5],
])
def test_real_jpegs_decode(params: list[int]) -> None:
    ok, buf = cv2.imencode(".jpg", _scene(), params)
    assert ok
    assert decode(bytes(buf.tobytes())).width == 320  # type: ignore[attr-defined]


def test_a_uniform_large_jpeg_is_not_mistaken_for_a_bomb() -> None:
    ok, buf = cv2.imencode(".jpg", np.full((3000, 4000, 3), 255, np.uint8), [int(cv2.IMWRITE_JPEG_QUALITY), 30])
    assert ok
    assert decode(bytes(buf.tobytes())).height == 3000  # type: ignore[attr-defined]


@pytest.mark.parametrize(("image", "compression"), [
    (_scene(), 9),
    (np.full((240, 320, 3), 7, np.uint8), 9),  # compresses extremely well: legit, not a bomb
    ((_scene().astype(np.uint16) * 257), 1),  # 16-bit
    (cv2.cvtColor(_scene(), cv2.COLOR_BGR2GRAY), 3),
    (cv2.cvtColor(_scene(), cv2.COLOR_BGR2BGRA), 3),
])
def test_real_pngs_decode(image: np.ndarray, compression: int) -> None:
    ok, buf = cv2.imencode(".png", image, [int(cv2.IMWRITE_PNG_COMPRESSION), compression])
    assert ok
    assert decode(bytes(buf.tobytes())).width == 320  # type: ignore[attr-defined]


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def test_an_interlaced_png_decodes() -> None:
    """Adam7: the inflate bound counts every pass's rows."""
    image = _scene(241, 325)[:, :, ::-1]  # RGB order, odd sizes so the passes are uneven
    raw = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)):
        sub = image[y0::dy, x0::dx]
        if sub.size:
            raw += b"".join(b"\x00" + row.tobytes() for row in sub)
    h, w = image.shape[:2]
    data = PNG_MAGIC + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)) + \
        _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")
    decoded = decode(data)
    assert np.array_equal(decoded.image, image[:, :, ::-1])  # type: ignore[attr-defined]
    with pytest.raises(CorruptImageError, match="inflates past"):
        decode(data[:-12 - len(zlib.compress(raw)) - 12] + _chunk(b"IDAT", zlib.compress(raw + b"\x00" * 4096))
               + _chunk(b"IEND", b""))


def test_large_decodes_take_turns_small_ones_do_not_wait() -> None:
    import threading

    gate = DecodeGate(large_pixels=1000, slots=1)
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def large(name: str) -> None:
        with gate.admit(5000):
            order.append(f"{name}-in")
            inside.set()
            release.wait(5)
            order.append(f"{name}-out")

    first = threading.Thread(target=large, args=("a",))
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=large, args=("b",))
    second.start()
    with gate.admit(10):  # a small image is not held up by the large one in progress
        order.append("small")
    release.set()
    first.join(5)
    second.join(5)
    assert order.index("small") < order.index("a-out")
    assert order.index("a-out") < order.index("b-in")  # one large decode at a time
