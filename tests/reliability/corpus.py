"""Hostile inputs built at test time: decoder bombs, malformed headers, polyglots (no files committed)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import cv2
import numpy as np

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _ihdr(width: int, height: int, depth: int = 8, color: int = 2, interlace: int = 0) -> bytes:
    return _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR declares width x height over an IDAT of a few bytes (69 bytes for 65535^2)."""
    return PNG_MAGIC + _ihdr(width, height) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4)) + \
        _png_chunk(b"IEND", b"")


def _jpeg(width: int = 16, height: int = 16) -> bytes:
    image = np.full((height, width, 3), 90, np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), 50])
    assert ok
    return bytes(buf.tobytes())


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG (a few hundred bytes) whose SOF is patched to declare width x height."""
    data = bytearray(_jpeg())
    pos = 2
    while pos < len(data):
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if 0xC0 <= marker <= 0xC2:
            data[pos + 5:pos + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        pos += 2 + length
    raise AssertionError("no SOF in the encoded JPEG")


def png_zlib_bomb(surplus_bytes: int, width: int = 320, height: int = 240) -> bytes:
    """A valid width x height PNG whose IDAT stream carries `surplus_bytes` of zeros past the image."""
    raw = b"".join(b"\x00" + bytes([(y * 7) % 256]) * (width * 3) for y in range(height))
    packer = zlib.compressobj(9)
    parts = [packer.compress(raw)]
    block = b"\x00" * (1 << 20)
    for _ in range(surplus_bytes // len(block)):
        parts.append(packer.compress(block))
    parts.append(packer.flush())
    return PNG_MAGIC + _ihdr(width, height) + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b"")


def polyglot_jpeg() -> bytes:
    """A decodable JPEG with HTML and a ZIP end record appended (served back, it must not be sniffed)."""
    html = b"<html><script>alert(document.domain)</script></html>"
    zip_end = b"PK\x05\x06" + b"\x00" * 18
    return _jpeg(256, 256) + html + zip_end


def hostile_corpus() -> Iterator[tuple[str, bytes, str]]:
    """(name, bytes, expected reason) of every hostile input the reliability tests send."""
    yield "png-65535x65535", png_declaring(65535, 65535), "IMAGE_TOO_MANY_PIXELS"
    yield "png-40000x40000", png_declaring(40000, 40000), "IMAGE_TOO_MANY_PIXELS"
    yield "jpeg-65500x65500", jpeg_declaring(65500, 65500), "IMAGE_TOO_MANY_PIXELS"
    yield "jpeg-30000x30000", jpeg_declaring(30000, 30000), "IMAGE_TOO_MANY_PIXELS"
    yield "jpeg-7000x7000-in-631-bytes", jpeg_declaring(7000, 7000), "CORRUPT_IMAGE"
    yield "png-7000x7000-in-69-bytes", png_declaring(7000, 7000), "CORRUPT_IMAGE"
    yield "png-zlib-surplus", png_zlib_bomb(64 << 20), "CORRUPT_IMAGE"
    yield "png-0x0", png_declaring(0, 0), "CORRUPT_IMAGE"
    yield "png-no-iend", png_declaring(640, 480)[:-12], "CORRUPT_IMAGE"
    yield "jpeg-no-sof", b"\xff\xd8\xff\xda\x00\x02" + b"\x00" * 64 + b"\xff\xd9", "CORRUPT_IMAGE"
    yield "jpeg-bad-segment", b"\xff\xd8\xff\xe0\xff\xff" + b"\x00" * 16 + b"\xff\xd9", "CORRUPT_IMAGE"
    yield "png-declared-640x480-garbage", png_declaring(640, 480), "CORRUPT_IMAGE"
