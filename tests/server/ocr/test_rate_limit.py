"""TokenBucket with a fake clock: bursts, refill, reservations, refusals, threads."""

from __future__ import annotations

import threading

import pytest

from server.errors import OcrRateLimitedError
from server.ocr.rate_limit import TokenBucket, default_burst
from tests.server.ocr.gemini_helpers import FakeClock


def bucket(rate: float, burst: int, clock: FakeClock) -> TokenBucket:
    """A bucket on the fake clock."""
    return TokenBucket(rate, burst=burst, clock=clock, sleep=clock.sleep)


def test_burst_then_one_token_per_period() -> None:
    clock = FakeClock()
    limiter = bucket(60, 2, clock)  # one token per second

    waits = [limiter.reserve(max_wait_s=10) for _ in range(4)]

    assert waits == pytest.approx([0.0, 0.0, 1.0, 2.0])


def test_tokens_refill_with_time_but_never_beyond_the_burst() -> None:
    clock = FakeClock()
    limiter = bucket(30, 3, clock)  # one token per 2 s
    for _ in range(3):
        limiter.reserve(0)

    clock.advance(2.0)
    assert limiter.reserve(0) == 0.0
    clock.advance(3600)
    assert [limiter.reserve(10) for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 2.0])


def test_refuses_when_the_wait_exceeds_the_budget_and_reserves_nothing() -> None:
    clock = FakeClock()
    limiter = bucket(60, 1, clock)
    limiter.reserve(0)

    with pytest.raises(OcrRateLimitedError) as caught:
        limiter.reserve(max_wait_s=0.5)

    assert caught.value.reason == "OCR_RATE_LIMITED"
    assert "60 requests/minute" in caught.value.message and "1.0s away" in caught.value.message
    assert limiter.reserve(max_wait_s=1.0) == pytest.approx(1.0)  # the refusal took no token


def test_acquire_sleeps_until_the_token_is_due() -> None:
    clock = FakeClock()
    limiter = bucket(120, 1, clock)

    assert limiter.acquire(5) == 0.0
    assert limiter.acquire(5) == pytest.approx(0.5)
    assert clock.sleeps == pytest.approx([0.5])


def test_concurrent_callers_get_distinct_slots_and_the_rest_are_refused() -> None:
    clock = FakeClock()  # frozen: every thread sees the same instant
    limiter = bucket(60, 2, clock)
    waits: list[float] = []
    refused: list[OcrRateLimitedError] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def take() -> None:
        start.wait()
        try:
            wait = limiter.reserve(max_wait_s=2.5)
        except OcrRateLimitedError as exc:
            with lock:
                refused.append(exc)
        else:
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(waits) == pytest.approx([0.0, 0.0, 1.0, 2.0])
    assert len(refused) == 16


def test_default_burst_is_ten_seconds_worth() -> None:
    assert [default_burst(r) for r in (1, 6, 30, 60, 600)] == [1, 1, 5, 10, 100]
    assert TokenBucket(30).capacity == 5


@pytest.mark.parametrize(("rate", "burst"), [(0, None), (-1, None), (10, 0)])
def test_rejects_nonsense(rate: float, burst: int | None) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst=burst)
