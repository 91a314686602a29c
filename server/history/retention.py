"""Retention: reads older than history.retention_days are deleted, with their artefact files."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from server.history.store import HistoryStore
from server.history.timeutil import utc_now

log = logging.getLogger(__name__)


def remove_artefacts(paths: list[str], *, base_dir: Path, root: Path) -> int:
    """Delete the files (display paths relative to base_dir) that lie under root; returns how many."""
    removed = 0
    root = root.resolve()
    for shown in paths:
        path = Path(shown)
        path = (path if path.is_absolute() else base_dir / path).resolve()
        if not path.is_relative_to(root):
            log.warning("retention: %s is outside the output root; left alone", path)
            continue
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


class RetentionSweeper:
    """Deletes old reads (and files no remaining read names) on a timer; sweep() runs one pass."""

    def __init__(self, store: HistoryStore, *, days: float, base_dir: Path, root: Path, interval_s: float,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.days = days
        self.base_dir = base_dir
        self.root = root
        self.interval_s = interval_s
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> tuple[int, int]:
        """One pass: (reads deleted, files deleted)."""
        if self.days <= 0:
            return 0, 0
        count, paths = self.store.delete_reads_before(self._now() - timedelta(days=self.days))
        kept = self.store.artefacts_still_referenced(paths)
        files = remove_artefacts(sorted(set(paths) - kept), base_dir=self.base_dir, root=self.root)
        if count:
            log.info("retention: %d reads and %d files older than %d days deleted", count, files, self.days)
        return count, files

    def start(self) -> None:
        """Sweep now and then every interval_s (nothing when retention is off)."""
        if self.days <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="history-retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except Exception:
                log.exception("retention sweep failed")
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        """Stop the timer thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
