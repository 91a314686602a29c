"""A thread-safe token bucket: one per remote OCR service, shared by every request to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from server.errors import OcrRateLimitedError

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def default_burst(rate_per_minute: float) -> int:
    """Ten seconds' worth of requests (at least one): small enough to stay near a per-minute quota."""
    return max(1, int(rate_per_minute // 6))


class TokenBucket:
    """Allows `rate_per_minute` requests per minute on average, in bursts of at most `burst`.

    A caller reserves a token under the lock and sleeps outside it until the token is due, so
    waiting callers are served in arrival order and never hold the lock while they wait.
    A caller that would have to wait longer than it can afford gets OcrRateLimitedError at once
    and reserves nothing.
    """

    def __init__(
        self,
        rate_per_minute: float,
        *,
        burst: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {rate_per_minute}")
        capacity = default_burst(rate_per_minute) if burst is None else burst
        if capacity < 1:
            raise ValueError(f"burst must be at least 1, got {capacity}")
        self.rate_per_minute = rate_per_minute
        self.capacity = capacity
        self._per_second = rate_per_minute / 60.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(capacity)
        self._updated = clock()

    def reserve(self, max_wait_s: float) -> float:
        """Reserve one token; return how many seconds from now it is due (0.0: right away).

        Raises OcrRateLimitedError, reserving nothing, when it is due later than `max_wait_s`.
        """
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(float(self.capacity), self._tokens + elapsed * self._per_second)
            self._updated = now
            wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self._per_second
            if wait > max_wait_s:
                raise OcrRateLimitedError(
                    f"client-side OCR rate limit of {self.rate_per_minute:g} requests/minute reached: "
                    f"the next slot is {wait:.1f}s away, more than the {max(0.0, max_wait_s):.1f}s left"
                )
            self._tokens -= 1.0
            return wait

    def acquire(self, max_wait_s: float) -> float:
        """Reserve one token and sleep until it is due; return the seconds waited."""
        wait = self.reserve(max_wait_s)
        if wait > 0:
            self._sleep(wait)
        return wait
