from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.errors import InvalidPathError, NotFoundError
from server.storage.retrieval import content_type, open_stored, resolve_stored_path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "images_processed"
    (root / "uploaded_vehicle_images").mkdir(parents=True)
    (root / "uploaded_vehicle_images" / "a_uploaded_image.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    (tmp_path / "secret.txt").write_text("secret")
    return root


def test_relative_path_resolves_with_or_without_root_name(root: Path) -> None:
    a = resolve_stored_path(root, "uploaded_vehicle_images/a_uploaded_image.jpg")
    b = resolve_stored_path(root, "images_processed/uploaded_vehicle_images/a_uploaded_image.jpg")
    assert a == b == (root / "uploaded_vehicle_images" / "a_uploaded_image.jpg").resolve()
    assert content_type(a) == "image/jpeg"


@pytest.mark.parametrize("attempt", [
    "../secret.jpg", "uploaded_vehicle_images/../../secret.jpg", "%2e%2e/secret.jpg", "%252e%252e/secret.jpg",
    "..%2fsecret.jpg", "/etc/passwd", "C:/windows/win.ini", "..\\secret.jpg", "a\x00.jpg", "",
])
def test_traversal_attempts_are_rejected(root: Path, attempt: str) -> None:
    with pytest.raises(InvalidPathError):
        resolve_stored_path(root, attempt)


def test_symlink_leading_out_of_root_is_rejected(root: Path) -> None:
    os.symlink(root.parent / "secret.jpg", root / "uploaded_vehicle_images" / "link.jpg")
    with pytest.raises(InvalidPathError, match="outside"):
        resolve_stored_path(root, "uploaded_vehicle_images/link.jpg")


def test_missing_file_is_not_found(root: Path) -> None:
    with pytest.raises(NotFoundError, match="Image not found"):
        resolve_stored_path(root, "uploaded_vehicle_images/nope.jpg")


def test_non_image_files_are_not_served(root: Path) -> None:
    (root / "notes.txt").write_text("x")
    with pytest.raises(InvalidPathError):
        resolve_stored_path(root, "notes.txt")


def test_open_stored_streams_in_chunks(root: Path) -> None:
    path = root / "uploaded_vehicle_images" / "big_uploaded_image.png"
    path.write_bytes(bytes(range(256)) * 10)
    stored = open_stored(root, "uploaded_vehicle_images/big_uploaded_image.png")
    assert (stored.size, stored.content_type) == (2560, "image/png")
    chunks = list(stored.chunks(1000))
    assert [len(c) for c in chunks] == [1000, 1000, 560]
    assert b"".join(chunks) == path.read_bytes()


def test_open_stored_empty_file_is_one_empty_chunk(root: Path) -> None:
    (root / "uploaded_vehicle_images" / "empty.jpg").write_bytes(b"")
    assert list(open_stored(root, "uploaded_vehicle_images/empty.jpg").chunks(10)) == [b""]
    with pytest.raises(NotFoundError):
        open_stored(root, "uploaded_vehicle_images/none.jpg")
