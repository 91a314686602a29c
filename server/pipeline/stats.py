"""Thread-safe service counters for /stats."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class CallCount:
    """Requests and errors of one method."""

    requests: int = 0
    errors: int = 0


@dataclass
class StatsSnapshot:
    """A consistent copy of the counters."""

    calls: dict[str, CallCount] = field(default_factory=dict)
    images_processed: int = 0
    vehicles_detected: int = 0
    plates_detected: int = 0
    plates_read: int = 0
    errors: int = 0


class Stats:
    """Counters updated by every stage."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data = StatsSnapshot()

    def record_call(self, method: str, *, error: bool) -> None:
        """Count one request (image) of a method, and whether it failed."""
        with self._lock:
            count = self._data.calls.setdefault(method, CallCount())
            count.requests += 1
            if error:
                count.errors += 1
                self._data.errors += 1

    def record_image(self, *, vehicles: int = 0, plates: int = 0, reads: int = 0) -> None:
        """Count one processed image and what it held."""
        with self._lock:
            self._data.images_processed += 1
            self._data.vehicles_detected += vehicles
            self._data.plates_detected += plates
            self._data.plates_read += reads

    def snapshot(self) -> StatsSnapshot:
        """A copy safe to read without the lock."""
        with self._lock:
            d = self._data
            return StatsSnapshot(
                calls={k: CallCount(v.requests, v.errors) for k, v in d.calls.items()},
                images_processed=d.images_processed,
                vehicles_detected=d.vehicles_detected,
                plates_detected=d.plates_detected,
                plates_read=d.plates_read,
                errors=d.errors,
            )
