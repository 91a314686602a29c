"""A circuit breaker around a remote OCR provider: after N failed calls it is skipped for a while.

Closed: every call goes through. After `failure_threshold` consecutive failed calls it opens: calls
fail at once (the caller's fallback reads at local speed) and status() says why. After `open_s` one
call is let through (half-open): success closes the circuit, failure opens it for another period.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from server.domain import Image, OcrRead
from server.errors import OcrError, Reason
from server.ocr.base import OcrProvider, ProviderStatus, first_error_or_reads
from server.ocr.rate_limit import Clock

log = logging.getLogger(__name__)

CIRCUIT_OPEN = Reason.OCR_CIRCUIT_OPEN
# Our own rate limit says nothing about the provider's health.
_NOT_COUNTED = frozenset({Reason.OCR_RATE_LIMITED})


class CircuitBreaker:
    """Thread-safe closed / open / half-open state."""

    def __init__(self, failure_threshold: int, open_s: float, clock: Clock = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.open_s = open_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False
        self.last_error = ""

    @property
    def state(self) -> str:
        """"closed", "open" or "half_open" (a trial call may go now or is under way)."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._trial or self._clock() - self._opened_at >= self.open_s else "open"

    def allow(self) -> bool:
        """May a call go through now? While open, exactly one caller per period gets the trial."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial or self._clock() - self._opened_at < self.open_s:
                return False
            self._trial = True
            return True

    def success(self) -> None:
        """A call succeeded: close."""
        with self._lock:
            if self._opened_at is not None:
                log.info("OCR circuit closed: the provider answers again")
            self._failures, self._opened_at, self._trial = 0, None, False

    def failure(self, error: str) -> None:
        """A call failed: count it; open (again) at the threshold or when a trial failed."""
        with self._lock:
            self.last_error = error
            self._failures += 1
            if self._trial or self._failures >= self.failure_threshold:
                if self._opened_at is None or self._trial:
                    log.warning("OCR circuit open for %.0f s after %d failures: %s", self.open_s,
                                self._failures, error)
                self._opened_at, self._trial = self._clock(), False

    def retry_in_s(self) -> float:
        """Seconds until the next trial (0 when closed or due)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.open_s - (self._clock() - self._opened_at))


class CircuitBreakerProvider:
    """Wraps a provider with a CircuitBreaker; reads and reports like the provider it wraps."""

    def __init__(self, inner: OcrProvider, breaker: CircuitBreaker) -> None:
        self.inner = inner
        self.breaker = breaker
        self.name = inner.name

    def _open_error(self) -> OcrError:
        return OcrError(f"{self.name} skipped: circuit open after repeated failures ({self.breaker.last_error}); "
                        f"next try in {self.breaker.retry_in_s():.0f} s", reason=CIRCUIT_OPEN)

    def read_each(self, crops: Sequence[Image]) -> list[OcrRead | OcrError]:
        """Per-crop results; every crop fails at once while the circuit is open."""
        if not crops:
            return []
        if not self.breaker.allow():
            return [self._open_error() for _ in crops]
        each = getattr(self.inner, "read_each", None)
        if each is not None:
            results: list[OcrRead | OcrError] = list(each(crops))
        else:
            try:
                results = list(self.inner.read(crops))
            except OcrError as exc:
                results = [exc] * len(crops)
        counted = [r for r in results if not (isinstance(r, OcrError) and r.reason in _NOT_COUNTED)]
        if any(isinstance(r, OcrRead) for r in counted):
            self.breaker.success()
        elif counted:
            error = next(r for r in counted if isinstance(r, OcrError))
            self.breaker.failure(f"{error.reason}: {error.message}")
        return results

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """All reads, or the first crop's OcrError."""
        return first_error_or_reads(self.read_each(crops))

    def status(self) -> ProviderStatus:
        """The wrapped provider's status, or "circuit_open" (unavailable, with the reason) while open."""
        inner = self.inner.status()
        if self.breaker.state == "closed":
            return inner
        return ProviderStatus(self.name, False, "circuit_open", inner.model_name,
                              f"circuit open after repeated failures ({self.breaker.last_error}); "
                              f"reading with the local reader; next try in {self.breaker.retry_in_s():.0f} s")

    def probe(self) -> ProviderStatus:
        """Probe the wrapped provider when it can be probed."""
        probe = getattr(self.inner, "probe", None)
        if probe is not None:
            probe()
        return self.status()

    def close(self) -> None:
        """Close the wrapped provider when it can be closed."""
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()
