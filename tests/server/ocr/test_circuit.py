"""Gemini circuit breaker (real SDK against the local fake Gemini API): open, fast local reads, half-open."""

from __future__ import annotations

from datetime import datetime, timezone

from server.ocr.auto import AutoOcrProvider
from server.ocr.circuit import CIRCUIT_OPEN, CircuitBreaker, CircuitBreakerProvider
from server.ocr.gemini import GeminiOcrProvider
from server.pipeline.system import SystemStatus
from tests.fakes.gemini_server import FakeGeminiServer, error_reply
from tests.server.ocr.gemini_helpers import FakeClock, RecordingProvider, make_crop, make_settings


def breaker_over(fake: FakeGeminiServer, clock: FakeClock) -> CircuitBreakerProvider:
    gemini = GeminiOcrProvider(make_settings(fake, max_retries=0), clock=clock, sleep=clock.sleep)
    return CircuitBreakerProvider(gemini, CircuitBreaker(3, 30.0, clock=clock))


def test_after_three_failures_reads_skip_gemini_and_half_open_retries(fake_gemini: FakeGeminiServer) -> None:
    clock = FakeClock()
    local = RecordingProvider()
    guarded = breaker_over(fake_gemini, clock)
    auto = AutoOcrProvider(guarded, local)
    fake_gemini.enqueue(*[error_reply(503, "UNAVAILABLE")] * 4)

    for n in range(3):
        assert [r.provider for r in auto.read([make_crop(100 + n)])] == ["fake-local"]
    assert len(fake_gemini.calls()) == 3
    assert guarded.breaker.state == "open"

    (read,) = auto.read([make_crop(200)])  # open: local at once, Gemini not called
    assert read.provider == "fake-local" and len(fake_gemini.calls()) == 3
    assert guarded.read_each([make_crop(1)])[0].reason == CIRCUIT_OPEN  # type: ignore[union-attr]
    status = guarded.status()
    assert (status.available, status.status) == (False, "circuit_open")
    assert "503" in status.error or "UNAVAILABLE" in status.error

    clock.advance(31)  # half-open: one trial, which fails again -> open for another period
    auto.read([make_crop(300)])
    assert len(fake_gemini.calls()) == 4 and guarded.breaker.state == "open"
    auto.read([make_crop(301)])
    assert len(fake_gemini.calls()) == 4

    clock.advance(31)  # the next trial succeeds (the fake answers a plate) -> closed
    (read,) = auto.read([make_crop(400)])
    assert read.provider == "gemini" and guarded.breaker.state == "closed"
    assert guarded.status().available


def test_unreachable_gemini_opens_the_circuit() -> None:
    clock = FakeClock()
    with FakeGeminiServer() as fake:
        settings = make_settings(fake, max_retries=0, timeout_s=1.0)
    # The fake is stopped: its port refuses connections, as an unreachable endpoint does.
    guarded = CircuitBreakerProvider(GeminiOcrProvider(settings, clock=clock, sleep=clock.sleep),
                                     CircuitBreaker(2, 30.0, clock=clock))
    local = RecordingProvider()
    auto = AutoOcrProvider(guarded, local)
    for _ in range(2):
        auto.read([make_crop()])
    assert guarded.breaker.state == "open"
    assert auto.read([make_crop(150)])[0].provider == "fake-local"


def test_health_is_degraded_with_the_reason_while_open(fake_gemini: FakeGeminiServer) -> None:
    clock = FakeClock()
    guarded = breaker_over(fake_gemini, clock)
    fake_gemini.enqueue(*[error_reply(500, "INTERNAL")] * 3)
    local = RecordingProvider()
    system = SystemStatus(vehicle_detector=None, plate_detector=None, gemini=guarded, local_ocr=local,
                          model_paths={}, load_errors={}, now=lambda: datetime.now(timezone.utc))
    assert not any(i.startswith("gemini_ocr") for i in system.health().issues)
    for _ in range(3):
        AutoOcrProvider(guarded, local).read([make_crop()])
    health = system.health()
    assert health.degraded and health.status == "degraded"
    assert any(i.startswith("gemini_ocr: circuit open") for i in health.issues)
