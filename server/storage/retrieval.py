"""Safe lookup of stored artefacts for the image retrieval RPC."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from server.errors import InvalidPathError, NotFoundError
from server.storage.object_store import ObjectStore

ALLOWED_SUFFIXES = (".jpg", ".jpeg", ".png", ".json")
MAX_NAME_BYTES = 255  # one path component (NAME_MAX on Linux)
MAX_PATH_CHARS = 1024


def resolve_stored_path(root: Path, image_path: str) -> Path:
    """Map a client's relative path to an existing file under root, refusing anything outside it.

    Rejects absolute paths, "..", encoded traversal, backslashes, NUL and symlinks that
    lead out of root. Accepts paths with or without the leading root directory name.
    """
    resolved = checked_path(root, image_path)
    if not resolved.is_file():
        raise NotFoundError("Image not found")
    return resolved


def checked_path(root: Path, image_path: str) -> Path:
    """The file under root a client's relative path names (every check of resolve_stored_path but the
    file's existence)."""
    text = image_path
    for _ in range(3):  # undo (double) percent-encoding before judging the path
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    if not text or "\x00" in text or "\\" in text:
        raise InvalidPathError(f"Invalid image path: {image_path!r}")
    if len(text) > MAX_PATH_CHARS:
        raise InvalidPathError(f"Invalid image path: longer than {MAX_PATH_CHARS} characters")
    pure = PurePosixPath(text)
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in pure.parts):
        raise InvalidPathError(f"Invalid image path: a name is longer than {MAX_NAME_BYTES} bytes")
    if pure.is_absolute() or ".." in pure.parts or (len(text) > 1 and text[1] == ":"):
        raise InvalidPathError(f"Invalid image path: {image_path!r} (must be relative to the output root)")
    parts = pure.parts
    if parts and parts[0] == root.name:
        parts = parts[1:]
    if not parts:
        raise InvalidPathError(f"Invalid image path: {image_path!r}")
    real_root = root.resolve()
    candidate = real_root.joinpath(*parts)
    try:
        resolved = candidate.resolve()
        if not resolved.is_relative_to(real_root):
            raise InvalidPathError(f"Invalid image path: {image_path!r} (outside the output root)")
        if resolved.suffix.lower() not in ALLOWED_SUFFIXES:
            raise InvalidPathError(f"Invalid image path: {image_path!r} (not an image or results file)")
    except OSError as exc:  # a name the file system refuses (too long, a loop, ...) is not a server fault
        raise InvalidPathError(f"Invalid image path ({exc.strerror or type(exc).__name__})") from exc
    return resolved


def content_type(path: Path) -> str:
    """The MIME type served for a stored file."""
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """A stored artefact found under the output root (or fetched from the object store), ready to stream."""

    path: Path
    size: int
    content_type: str
    data: bytes | None = None  # the object's bytes when it came from the object store

    def chunks(self, chunk_bytes: int) -> Iterator[bytes]:
        """The file's bytes in pieces of chunk_bytes; one empty piece for an empty file."""
        if self.data is not None:
            yield self.data[:chunk_bytes]
            for start in range(chunk_bytes, len(self.data), chunk_bytes):
                yield self.data[start:start + chunk_bytes]
            return
        with self.path.open("rb") as handle:
            chunk = handle.read(chunk_bytes)
            yield chunk
            while chunk := handle.read(chunk_bytes):
                yield chunk


def open_stored(root: Path, image_path: str, objects: ObjectStore | None = None) -> StoredFile:
    """The stored file a client's relative path names (resolve_stored_path's checks apply): the local file,
    else (object_store.url) the object another replica saved."""
    path = checked_path(root, image_path)
    if path.is_file() or objects is None:
        if not path.is_file():
            raise NotFoundError("Image not found")
        return StoredFile(path, path.stat().st_size, content_type(path))
    found = objects.get(path.relative_to(root.resolve()).as_posix())
    if found is None:
        raise NotFoundError("Image not found")
    return StoredFile(path, len(found.data), content_type(path), found.data)

