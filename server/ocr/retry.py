"""Retries with exponential backoff and full jitter, bounded by a deadline."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from server.ocr.rate_limit import Clock, Sleep

T = TypeVar("T")


class Deadline:
    """A point in time on a monotonic clock, and how much time is left before it."""

    def __init__(self, budget_s: float, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self.budget_s = budget_s
        self.expires_at = clock() + budget_s

    def remaining(self) -> float:
        """Seconds left (0.0 once passed)."""
        return max(0.0, self.expires_at - self._clock())

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0.0


@dataclass(frozen=True)
class BackoffPolicy:
    """How often and how long to wait between attempts ("full jitter", as in AWS's backoff study)."""

    max_retries: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay(self, retry_index: int, rng: random.Random) -> float:
        """The sleep before retry number `retry_index` (0-based): uniform in [0, min(cap, base * 2**n)]."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2.0**retry_index))
        return rng.uniform(0.0, ceiling)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    policy: BackoffPolicy,
    deadline: Deadline,
    is_retryable: Callable[[Exception], bool],
    delay_hint: Callable[[Exception], float | None] = lambda exc: None,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Call `attempt` until it returns, retrying retryable errors while retries and time are left.

    The last error is re-raised unchanged when it is not retryable, when the retries are spent,
    or when the next sleep (the jittered backoff, or the server's hint when longer) would not end
    before the deadline. The caller maps it.
    """
    rand = rng or random.Random()
    retry_index = 0
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not is_retryable(exc) or retry_index >= policy.max_retries:
                raise
            delay = policy.delay(retry_index, rand)
            hint = delay_hint(exc)
            if hint is not None:
                delay = max(delay, hint)
            if delay >= deadline.remaining():
                raise
            sleep(delay)
            retry_index += 1
