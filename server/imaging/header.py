"""Image headers read without decoding a pixel: declared size, structure, and PNG inflation bounds.

A hostile upload can declare 65535x65535 pixels in 69 bytes, or hide gigabytes of zlib surplus in a
PNG of ordinary size. Everything here runs before the decoder and costs at most one bounded inflate.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from server.errors import CorruptImageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# SOF markers carrying the frame size (C4 DHT, C8 JPG, CC DAC are not frames).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Huffman-coded frames spend at least one bit per 8x8 block: a file far smaller than that is a bomb.
_JPEG_HUFFMAN_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7))
_JPEG_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# Adam7 passes: (x start, y start, x step, y step).
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_INFLATE_STEP = 1 << 20


@dataclass(frozen=True)
class ImageHeader:
    """What the header declares."""

    width: int
    height: int

    @property
    def pixels(self) -> int:
        """Declared width x height."""
        return self.width * self.height


def _corrupt(fmt: str, why: str) -> CorruptImageError:
    return CorruptImageError(f"The {fmt} image is corrupt: {why}")


def jpeg_header(data: bytes, *, max_pixels: int | None = None) -> ImageHeader:
    """The frame size of a JPEG from its SOF segment (markers walked, no entropy data read).

    With max_pixels, a Huffman-coded image within it must also hold at least one bit per 8x8 block
    (half the least a real encoder writes): a few hundred bytes declaring 7000x7000 are refused.
    """
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            raise _corrupt("JPEG", f"expected a marker at byte {pos}")
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            raise _corrupt("JPEG", "no frame header before the image data")
        if pos + 2 > end:
            break
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        if length < 2 or pos + length > end:
            raise _corrupt("JPEG", f"segment 0x{marker:02X} runs past the end of the file")
        if marker in _JPEG_SOF:
            if length < 8:
                raise _corrupt("JPEG", "frame header too short")
            height, width = struct.unpack(">HH", data[pos + 3:pos + 7])
            if width == 0 or height == 0:
                raise _corrupt("JPEG", f"declared size {width}x{height}")
            header = ImageHeader(width, height)
            blocks = ((width + 7) // 8) * ((height + 7) // 8)
            if max_pixels is not None and header.pixels <= max_pixels and marker in _JPEG_HUFFMAN_SOF \
                    and len(data) * 8 < blocks:
                raise _corrupt("JPEG", f"it declares {width}x{height} but holds only {len(data)} bytes")
            return header
        pos += length
    raise _corrupt("JPEG", "no frame header")


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of each chunk's payload, checked to lie inside the file, up to IEND."""
    chunks: list[tuple[bytes, int, int]] = []
    pos, end = len(PNG_MAGIC), len(data)
    while pos + 8 <= end:
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        start = pos + 8
        if start + length + 4 > end:
            raise _corrupt("PNG", f"chunk {kind!r} runs past the end of the file (truncated)")
        chunks.append((kind, start, start + length))
        if kind == b"IEND":
            return chunks
        pos = start + length + 4
    raise _corrupt("PNG", "no IEND chunk (truncated)")


def _png_raw_bytes(width: int, height: int, bits_per_pixel: int, interlaced: bool) -> int:
    """Bytes the IDAT stream must inflate to: filter byte + packed row, per row (per Adam7 pass)."""
    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits_per_pixel + 7) // 8)
    if not interlaced:
        return rows(width, height)
    return sum(rows((width - x0 + dx - 1) // dx if width > x0 else 0,
                    (height - y0 + dy - 1) // dy if height > y0 else 0)
               for x0, y0, dx, dy in _ADAM7)


def png_header(data: bytes, *, max_pixels: int | None = None) -> ImageHeader:
    """The IHDR size of a PNG; with max_pixels also the IDAT stream inflated (bounded) against it.

    The inflate stops at the declared raw size plus one step: surplus data (a zlib bomb) is refused
    without inflating it. Size checks come before the inflate, so a declared giant costs nothing.
    """
    chunks = _png_chunks(data)
    kind, start, stop = chunks[0]
    if kind != b"IHDR" or stop - start != 13:
        raise _corrupt("PNG", "the first chunk is not a 13-byte IHDR")
    width, height, depth, color, _compression, _filter, interlace = struct.unpack(">IIBBBBB", data[start:stop])
    if width == 0 or height == 0 or color not in _PNG_CHANNELS or depth not in _PNG_DEPTHS[color]:
        raise _corrupt("PNG", f"invalid IHDR ({width}x{height}, depth {depth}, colour type {color})")
    header = ImageHeader(width, height)
    if max_pixels is None or header.pixels > max_pixels:
        return header
    expected = _png_raw_bytes(width, height, depth * _PNG_CHANNELS[color], interlace == 1)
    inflater, produced = zlib.decompressobj(), 0
    try:
        for kind, start, stop in chunks:
            if kind != b"IDAT":
                continue
            pending = data[start:stop]
            while pending and not inflater.eof:
                produced += len(inflater.decompress(pending, _INFLATE_STEP))
                if produced > expected:
                    raise _corrupt("PNG", f"the image data inflates past its declared {width}x{height} "
                                          f"({expected} bytes): refused as a decompression bomb")
                pending = inflater.unconsumed_tail
    except zlib.error as exc:
        raise _corrupt("PNG", f"bad compressed data ({exc})") from exc
    if produced < expected:
        raise _corrupt("PNG", f"the image data ends before the declared {width}x{height} (truncated)")
    return header
