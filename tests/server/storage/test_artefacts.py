"""Artefact names, atomic writes, collisions and the storage report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from server.config import OutputSettings
from server.storage.artefacts import ArtefactStore, OutputDirs
from tests.reliability.mounts import remount_read_only, tmpfs


def store_at(base: Path, *, random_names: bool = True) -> ArtefactStore:
    return ArtefactStore(OutputDirs.from_settings(OutputSettings(), base), save_images=True,
                         random_names=random_names)


def test_names_keep_the_timestamp_shape_and_add_an_unguessable_token(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    names = {store.claim("2025-06-06_14-30-15") for _ in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"2025-06-06_14-30-15_[0-9a-f]{16}", n) for n in names)


def test_ten_thousand_taken_names_for_one_timestamp_still_claim(tmp_path: Path) -> None:
    store = store_at(tmp_path, random_names=False)
    results = store.dirs.results
    (results / "2025-06-06_14-30-15_results.json").touch()
    for n in range(2, 10_001):
        (results / f"2025-06-06_14-30-15_{n}_results.json").touch()
    name = store.claim("2025-06-06_14-30-15")
    assert re.fullmatch(r"2025-06-06_14-30-15_[0-9a-f]{16}", name)
    assert store_at(tmp_path / "b", random_names=False).claim("x") == "x"  # seed names while free


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    prefix = store.claim("p")
    store.save_image(store.dirs.cropped_plate, f"{prefix}_detected_plate1.jpg", np.zeros((8, 8, 3), np.uint8))
    store.save_upload(store.dirs.uploaded_vehicle, prefix, b"bytes", ".jpg")
    store.save_results(prefix, {"a": 1})
    every = [p for d in store.dirs.all() for p in d.iterdir()]
    assert len(every) == 3 and not [p for p in every if p.name.startswith(".")]


def test_full_disk_leaves_no_partial_or_empty_files_and_is_reported(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size_kib=256) as root:
        store = store_at(root)
        prefix = store.claim("p")
        with pytest.raises(OSError):
            store.save_upload(store.dirs.uploaded_vehicle, prefix, b"x" * (1 << 20), ".jpg")
        store.discard(prefix)
        assert [p for d in store.dirs.all() for p in d.iterdir()] == []
        report = store.report(min_free_bytes=1 << 20)
        assert report.writable and "below 1 MiB" in report.error
        store.record_failure(OSError(28, "No space left on device"))
        assert "a save failed" in store.report(min_free_bytes=0).error


def test_read_only_root_is_reported_not_writable(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro") as root:
        store = store_at(root)
        assert store.report(min_free_bytes=0).error == ""
        remount_read_only(root)
        report = store.report(min_free_bytes=0)
        assert not report.writable and "not writable" in report.error
