"""Remembers a provider failure that retrying will not heal, and when to probe again."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from server.errors import OcrError
from server.ocr.rate_limit import Clock


@dataclass(frozen=True)
class Outage:
    """Why a provider is unavailable, and since when (monotonic seconds)."""

    message: str
    reason: str
    since: float

    def error(self) -> OcrError:
        """A fresh exception to raise (never re-raise one object from many threads)."""
        return OcrError(self.message, reason=self.reason)


class Availability:
    """Thread-safe latch: open after a persistent failure, closed again by a successful probe.

    While open, callers fail fast. Once `reprobe_after_s` has passed since the last failure,
    exactly one caller is told to probe (`claim_probe`); the others keep failing fast meanwhile.
    """

    def __init__(self, reprobe_after_s: float, clock: Clock = time.monotonic) -> None:
        self.reprobe_after_s = reprobe_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._outage: Outage | None = None
        self._probing = False

    @property
    def outage(self) -> Outage | None:
        """The current outage, or None while available."""
        return self._outage

    def mark_unavailable(self, error: OcrError) -> None:
        """Open the latch (or restart its re-probe timer) with this error."""
        with self._lock:
            self._outage = Outage(error.message, error.reason, self._clock())
            self._probing = False

    def mark_available(self) -> None:
        """Close the latch."""
        with self._lock:
            self._outage = None
            self._probing = False

    def claim_probe(self) -> bool:
        """True (once per re-probe period) when the caller should probe; it must then mark the result."""
        with self._lock:
            outage = self._outage
            if outage is None or self._probing:
                return False
            if self._clock() - outage.since < self.reprobe_after_s:
                return False
            self._probing = True
            return True

    def probe_inconclusive(self) -> None:
        """The probe could not tell (network error): keep the outage, wait a full period again."""
        with self._lock:
            if self._outage is not None:
                self._outage = Outage(self._outage.message, self._outage.reason, self._clock())
            self._probing = False
