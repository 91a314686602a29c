"""Which containers an upload may be, judged by the first bytes (not the file name)."""

from __future__ import annotations

from server.errors import NotAVideoError

# (container name, test on the first 16 bytes)
_SIGNATURES: tuple[tuple[str, tuple[int, bytes]], ...] = (
    ("mp4", (4, b"ftyp")),  # MP4 and QuickTime MOV both open with an ftyp box
    ("mov", (4, b"moov")),  # older QuickTime files start with the movie box
    ("mov", (4, b"wide")),
    ("mov", (4, b"mdat")),
    ("mov", (4, b"free")),
    ("avi", (0, b"RIFF")),
    ("mkv", (0, b"\x1a\x45\xdf\xa3")),  # EBML: Matroska and WebM
)
UPLOAD_FORMATS = ("mp4", "avi", "mkv", "mov", "webm")


def sniff_container(head: bytes) -> str:
    """The container family of an upload ("mp4", "mov", "avi", "mkv"); NotAVideoError otherwise."""
    for name, (offset, magic) in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if name == "avi" and head[8:12] != b"AVI ":
                continue
            return name
    raise NotAVideoError(
        f"Not a video: the content is none of the accepted formats ({', '.join(UPLOAD_FORMATS)})"
    )
