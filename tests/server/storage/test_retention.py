"""Retention: expired artefacts and the oldest beyond the size cap are deleted; nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from server.storage.retention import Retention

NOW = 1_800_000_000.0
DAY = 86_400.0


def make(directory: Path, name: str, size: int, age_days: float) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"x" * size)
    os.utime(path, (NOW - age_days * DAY, NOW - age_days * DAY))
    return path


def test_files_older_than_retention_days_go(tmp_path: Path) -> None:
    old = make(tmp_path / "a", "old.jpg", 10, 8)
    new = make(tmp_path / "b", "new.json", 10, 1)
    result = Retention([tmp_path / "a", tmp_path / "b"], retention_days=7, max_disk_mb=0, clock=lambda: NOW).sweep()
    assert not old.exists() and new.exists()
    assert (result.removed_files, result.kept_bytes) == (1, 10)


def test_the_oldest_go_first_while_over_the_size_cap(tmp_path: Path) -> None:
    mib = 1 << 20
    files = [make(tmp_path / "d", f"{i}.jpg", mib, age_days=10 - i) for i in range(5)]  # 0 is the oldest
    result = Retention([tmp_path / "d"], retention_days=0, max_disk_mb=3, clock=lambda: NOW).sweep()
    assert [f.exists() for f in files] == [False, False, False, True, True]  # down to 90% of 3 MiB
    assert result.kept_bytes == 2 * mib


def test_disabled_by_default_and_missing_directories_are_fine(tmp_path: Path) -> None:
    keep = make(tmp_path / "k", "a.jpg", 5, 1000)
    retention = Retention([tmp_path / "k", tmp_path / "missing"], retention_days=0, max_disk_mb=0, clock=lambda: NOW)
    assert not retention.enabled and retention.sweep().removed_files == 0 and keep.exists()
