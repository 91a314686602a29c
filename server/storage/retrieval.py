"""Safe lookup of stored artefacts for the image retrieval RPC."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from server.errors import InvalidPathError, NotFoundError

ALLOWED_SUFFIXES = (".jpg", ".jpeg", ".png", ".json")


def resolve_stored_path(root: Path, image_path: str) -> Path:
    """Map a client's relative path to a file under root, refusing anything outside it.

    Rejects absolute paths, "..", encoded traversal, backslashes, NUL and symlinks that
    lead out of root. Accepts paths with or without the leading root directory name.
    """
    text = image_path
    for _ in range(3):  # undo (double) percent-encoding before judging the path
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    if not text or "\x00" in text or "\\" in text:
        raise InvalidPathError(f"Invalid image path: {image_path!r}")
    pure = PurePosixPath(text)
    if pure.is_absolute() or ".." in pure.parts or (len(text) > 1 and text[1] == ":"):
        raise InvalidPathError(f"Invalid image path: {image_path!r} (must be relative to the output root)")
    parts = pure.parts
    if parts and parts[0] == root.name:
        parts = parts[1:]
    if not parts:
        raise InvalidPathError(f"Invalid image path: {image_path!r}")
    real_root = root.resolve()
    candidate = real_root.joinpath(*parts)
    resolved = candidate.resolve()
    if not resolved.is_relative_to(real_root):
        raise InvalidPathError(f"Invalid image path: {image_path!r} (outside the output root)")
    if resolved.suffix.lower() not in ALLOWED_SUFFIXES:
        raise InvalidPathError(f"Invalid image path: {image_path!r} (not an image or results file)")
    if not resolved.is_file():
        raise NotFoundError("Image not found")
    return resolved


def content_type(path: Path) -> str:
    """The MIME type served for a stored file."""
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """A stored artefact found under the output root, ready to stream."""

    path: Path
    size: int
    content_type: str

    def chunks(self, chunk_bytes: int) -> Iterator[bytes]:
        """The file's bytes in pieces of chunk_bytes; one empty piece for an empty file."""
        with self.path.open("rb") as handle:
            chunk = handle.read(chunk_bytes)
            yield chunk
            while chunk := handle.read(chunk_bytes):
                yield chunk


def open_stored(root: Path, image_path: str) -> StoredFile:
    """The stored file a client's relative path names (resolve_stored_path's checks apply)."""
    path = resolve_stored_path(root, image_path)
    return StoredFile(path, path.stat().st_size, content_type(path))
