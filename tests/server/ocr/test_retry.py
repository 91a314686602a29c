"""call_with_retries and BackoffPolicy: full jitter, caps, hints, deadlines."""

from __future__ import annotations

import random

import pytest

from server.ocr.retry import BackoffPolicy, Deadline, call_with_retries
from tests.server.ocr.gemini_helpers import FakeClock


class Transient(Exception):
    """Worth retrying."""


class Fatal(Exception):
    """Not worth retrying."""


class Ceiling(random.Random):
    """A 'random' source that always picks the top of the range."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Flaky:
    """Fails with the given errors, then returns 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run(
    attempt: Flaky,
    clock: FakeClock,
    *,
    retries: int = 3,
    budget: float = 100.0,
    hint: float | None = None,
    rng: random.Random | None = None,
) -> str:
    """call_with_retries with Transient retryable, on the fake clock."""
    return call_with_retries(
        attempt,
        policy=BackoffPolicy(max_retries=retries, base_delay_s=0.5, max_delay_s=3.0),
        deadline=Deadline(budget, clock),
        is_retryable=lambda exc: isinstance(exc, Transient),
        delay_hint=lambda exc: hint,
        sleep=clock.sleep,
        rng=rng or Ceiling(),
    )


def test_exponential_ceiling_is_capped() -> None:
    clock = FakeClock()
    attempt = Flaky(*[Transient()] * 4)

    assert run(attempt, clock, retries=4) == "ok"
    assert clock.sleeps == [0.5, 1.0, 2.0, 3.0]


def test_full_jitter_stays_below_the_ceiling() -> None:
    policy = BackoffPolicy(base_delay_s=0.5, max_delay_s=8.0)
    rng = random.Random(1)
    delays = [policy.delay(2, rng) for _ in range(200)]

    assert all(0.0 <= d <= 2.0 for d in delays)
    assert max(delays) > 1.5 and min(delays) < 0.5  # spread over the whole range


def test_stops_after_max_retries_with_the_last_error() -> None:
    clock = FakeClock()
    last = Transient("third")
    attempt = Flaky(Transient("first"), Transient("second"), last)

    with pytest.raises(Transient) as caught:
        run(attempt, clock, retries=2)

    assert caught.value is last and attempt.calls == 3


def test_non_retryable_errors_are_raised_at_once() -> None:
    clock = FakeClock()
    attempt = Flaky(Fatal())

    with pytest.raises(Fatal):
        run(attempt, clock)

    assert attempt.calls == 1 and clock.sleeps == []


def test_never_sleeps_past_the_deadline() -> None:
    clock = FakeClock()
    attempt = Flaky(*[Transient()] * 5)

    with pytest.raises(Transient):
        run(attempt, clock, budget=1.2)  # sleeps 0.5, then 1.0 would end after the deadline

    assert clock.sleeps == [0.5] and attempt.calls == 2


def test_a_longer_server_hint_wins() -> None:
    clock = FakeClock()

    assert run(Flaky(Transient()), clock, hint=2.5) == "ok"
    assert clock.sleeps == [2.5]


def test_deadline_counts_down_on_its_clock() -> None:
    clock = FakeClock()
    deadline = Deadline(2.0, clock)
    clock.advance(1.5)
    assert deadline.remaining() == pytest.approx(0.5) and not deadline.expired()
    clock.advance(1.0)
    assert deadline.remaining() == 0.0 and deadline.expired()
