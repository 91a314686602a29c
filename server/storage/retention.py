"""Retention of saved artefacts: files older than `retention_days` go, and the oldest go first while the
output directories hold more than `max_disk_mb`. Runs in one background thread."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from server.storage.object_store import ObjectStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """What one sweep removed and what is left."""

    removed_files: int
    removed_bytes: int
    kept_bytes: int


def _files(directories: Iterable[Path]) -> list[tuple[float, int, Path]]:
    found: list[tuple[float, int, Path]] = []
    for directory in directories:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    found.append((stat.st_mtime, stat.st_size, Path(entry.path)))
            except OSError:
                continue
    return found


class Retention:
    """Deletes expired and excess artefacts; 0 disables either rule."""

    def __init__(self, directories: Iterable[Path], *, retention_days: float, max_disk_mb: int,
                 clock: Callable[[], float] = time.time, objects: ObjectStore | None = None) -> None:
        self.directories = tuple(directories)
        self.objects = objects  # expired objects go too (the size cap is the local disk's)
        self.max_age_s = retention_days * 86_400
        self.max_bytes = max_disk_mb << 20
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        """Whether any rule is set."""
        return self.max_age_s > 0 or self.max_bytes > 0

    def sweep(self) -> SweepResult:
        """One pass over every directory: expired files first, then the oldest while over the size cap."""
        files = sorted(_files(self.directories))
        removed_files = removed_bytes = 0
        kept: list[tuple[float, int, Path]] = []
        cutoff = self._clock() - self.max_age_s
        for mtime, size, path in files:
            if self.max_age_s > 0 and mtime < cutoff and _remove(path):
                removed_files, removed_bytes = removed_files + 1, removed_bytes + size
            else:
                kept.append((mtime, size, path))
        total = sum(size for _, size, _ in kept)
        if self.max_bytes > 0 and total > self.max_bytes:
            target = int(self.max_bytes * 0.9)  # some headroom, so the next sweep is not immediate
            for _mtime, size, path in kept:
                if total <= target:
                    break
                if _remove(path):
                    total -= size
                    removed_files, removed_bytes = removed_files + 1, removed_bytes + size
        if removed_files:
            log.info("retention: removed %d files (%d MiB); %d MiB kept", removed_files, removed_bytes >> 20,
                     total >> 20)
        if self.objects is not None and self.max_age_s > 0:
            try:
                removed_objects = self.objects.delete_older_than(self.max_age_s)
            except OSError as exc:
                log.warning("retention: object store sweep failed: %s", exc.strerror or exc)
            else:
                if removed_objects:
                    log.info("retention: removed %d expired objects", removed_objects)
        return SweepResult(removed_files, removed_bytes, total)

    def start(self, interval_s: float) -> None:
        """Sweep now and then every interval_s in a daemon thread (no-op when disabled)."""
        if not self.enabled or self._thread is not None:
            return

        def loop() -> None:
            while True:
                try:
                    self.sweep()
                except Exception:  # a sweep failure must never stop the service
                    log.exception("retention sweep failed")
                if self._stop.wait(interval_s):
                    return

        self._thread = threading.Thread(target=loop, name="retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stop.set()


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError as exc:
        log.warning("retention: could not remove %s: %s", path, exc)
        return False
    return True
