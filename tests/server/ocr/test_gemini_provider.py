"""GeminiOcrProvider through the real google-genai client against the fake Gemini HTTP API."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import grpc
import pytest

from server.domain import OcrRead
from server.errors import OcrError, OcrRateLimitedError
from server.grpc_api.status import status_code
from server.ocr.gemini import GeminiOcrProvider
from server.ocr.gemini_schema import FIELDS, PLATE_TYPES
from server.ocr.retry import BackoffPolicy
from tests.fakes.gemini_server import (
    DEFAULT_MODEL,
    FakeGeminiServer,
    FakeReply,
    RecordedRequest,
    error_reply,
    plate_reply,
    retry_info,
    text_reply,
)
from tests.server.ocr.gemini_helpers import FakeClock, make_crop, make_settings, sent_image

RETIRED = "gemini-2.0-flash-lite-001"


@pytest.fixture
def clock() -> FakeClock:
    """Time that moves only when the provider sleeps (backoff, rate limit)."""
    return FakeClock()


@pytest.fixture
def provider(fake_gemini: FakeGeminiServer, clock: FakeClock) -> Iterator[GeminiOcrProvider]:
    """A provider on the fake with a fake clock and a seeded jitter source."""
    p = GeminiOcrProvider(make_settings(fake_gemini), clock=clock, sleep=clock.sleep, rng=random.Random(7))
    yield p
    p.close()


def test_reads_every_field_and_sends_a_well_formed_request(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider
) -> None:
    fake_gemini.enqueue(
        plate_reply(
            plate_number="dk  567 ab",
            plate_date="11/27",
            plate_text_color="Black",
            plate_background_color="Yellow",
            plate_icon="",
            plate_icon_color="",
            plate_blue_strip="yes",
            plate_type="public",
            confidence_score=0.87,
        )
    )
    crop = make_crop(150, 50)

    (read,) = provider.read([crop])

    assert (read.provider, read.text, read.date_text, read.confidence) == ("gemini", "DK 567 AB", "11/27", 0.87)
    assert (read.text_color, read.background_color, read.icon, read.icon_color) == ("black", "yellow", "", "")
    assert (read.blue_strip, read.plate_type) == (True, "public")
    (request,) = fake_gemini.requests
    assert (request.method, request.path) == ("POST", f"/v1beta/models/{DEFAULT_MODEL}:generateContent")
    assert request.api_key == "test-key"
    config = request.generation_config
    assert config["temperature"] == 0
    assert config["responseMimeType"] == "application/json"
    schema = config["responseJsonSchema"]
    assert sorted(schema["required"]) == sorted(FIELDS) == sorted(schema["properties"])
    assert schema["properties"]["plate_type"]["enum"] == list(PLATE_TYPES)
    assert schema["properties"]["plate_blue_strip"]["enum"] == ["yes", "no"]
    assert "B 1234 CD" in request.system_text and "MM/YY" in request.system_text
    assert sent_image(request).shape == crop.shape


def test_one_request_per_crop_and_results_keep_crop_order(fake_gemini: FakeGeminiServer) -> None:
    def by_width(request: RecordedRequest) -> FakeReply:
        width = sent_image(request).shape[1]
        return plate_reply(plate_number=f"B {width} XY", delay_s=0.02 * (width % 3))

    fake_gemini.responder = by_width
    widths = [100, 130, 160, 190, 220]
    provider = GeminiOcrProvider(make_settings(fake_gemini))

    reads = provider.read([make_crop(w) for w in widths])

    assert [r.text for r in reads] == [f"B {w} XY" for w in widths]
    assert len(fake_gemini.calls("generateContent")) == len(widths)


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (text_reply("{'plate_number': 'B 1 A'"), "not JSON"),
        (plate_reply(drop=["plate_type"]), "missing fields ['plate_type']"),
        (plate_reply(confidence_score="high"), "confidence_score"),
        (FakeReply(200, {"promptFeedback": {"blockReason": "SAFETY"}}), "no text"),
    ],
    ids=["malformed-json", "missing-field", "wrong-type", "blocked"],
)
def test_unusable_answers_are_bad_response_and_not_retried(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider, reply: FakeReply, fragment: str
) -> None:
    fake_gemini.enqueue(reply)

    with pytest.raises(OcrError) as caught:
        provider.read([make_crop()])

    assert caught.value.reason == "OCR_BAD_RESPONSE"
    assert fragment in caught.value.message
    assert len(fake_gemini.requests) == 1
    assert provider.status().available


def test_429_then_success_is_retried_after_a_jittered_backoff(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider, clock: FakeClock
) -> None:
    fake_gemini.enqueue(error_reply(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), plate_reply())

    (read,) = provider.read([make_crop()])

    assert read.text == "B 1234 CD"
    assert len(fake_gemini.requests) == 2
    assert len(clock.sleeps) == 1
    assert 0.0 < clock.sleeps[0] <= 0.5  # full jitter below base_delay_s * 2**0


def test_backoff_grows_and_honours_the_servers_retry_delay(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider, clock: FakeClock
) -> None:
    fake_gemini.enqueue(
        error_reply(503, "UNAVAILABLE"),
        error_reply(429, "RESOURCE_EXHAUSTED", details=[retry_info(1.5)]),
        plate_reply(),
    )

    provider.read([make_crop()])

    assert len(fake_gemini.requests) == 3
    first, second = clock.sleeps
    assert 0.0 < first <= 0.5
    assert second == 1.5  # the server's hint is longer than any jitter below 1.0


def test_a_retry_delay_beyond_the_budget_gives_up_at_once(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider, clock: FakeClock
) -> None:
    fake_gemini.enqueue(error_reply(429, "RESOURCE_EXHAUSTED", details=[retry_info(30)]))

    with pytest.raises(OcrRateLimitedError):
        provider.read([make_crop()])

    assert len(fake_gemini.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("reply", "reason", "still_available"),
    [
        (error_reply(400, "INVALID_ARGUMENT", "Request contains an invalid argument."), "OCR_FAILED", True),
        (error_reply(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."), "OCR_AUTH_FAILED", False),
    ],
    ids=["400", "403"],
)
def test_client_errors_are_not_retried(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider, reply: FakeReply, reason: str, still_available: bool
) -> None:
    fake_gemini.enqueue(reply)

    with pytest.raises(OcrError) as caught:
        provider.read([make_crop()])

    assert caught.value.reason == reason
    assert isinstance(caught.value.__cause__, Exception)  # mapped at the boundary, `from exc`
    assert len(fake_gemini.requests) == 1
    assert provider.status().available is still_available


def test_a_wrong_api_key_makes_the_provider_unavailable(fake_gemini: FakeGeminiServer) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini, api_key="wrong-key"))

    with pytest.raises(OcrError) as caught:
        provider.read([make_crop()])

    assert caught.value.reason == "OCR_AUTH_FAILED"
    assert fake_gemini.requests[0].api_key == "wrong-key"
    assert provider.status().status == "unavailable"


def test_5xx_until_the_retries_run_out(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider, clock: FakeClock
) -> None:
    fake_gemini.enqueue(*[error_reply(503, "UNAVAILABLE", "The model is overloaded.")] * 3)

    with pytest.raises(OcrError) as caught:
        provider.read([make_crop()])

    assert caught.value.reason == "OCR_FAILED"
    assert "503" in caught.value.message
    assert len(fake_gemini.requests) == 3  # 1 + max_retries (2): the SDK adds none of its own
    assert len(clock.sleeps) == 2 and clock.sleeps[1] <= 1.0


def test_sdk_retries_are_off(fake_gemini: FakeGeminiServer) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini, max_retries=0))
    fake_gemini.enqueue(error_reply(503, "UNAVAILABLE"), error_reply(503, "UNAVAILABLE"))

    with pytest.raises(OcrError):
        provider.read([make_crop()])

    assert len(fake_gemini.requests) == 1


def test_a_slow_answer_times_out_within_the_budget(fake_gemini: FakeGeminiServer) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini, timeout_s=0.3))
    fake_gemini.enqueue(plate_reply(delay_s=3.0))

    started = time.perf_counter()
    with pytest.raises(OcrError) as caught:
        provider.read([make_crop()])
    elapsed = time.perf_counter() - started

    assert caught.value.reason == "OCR_TIMEOUT"
    assert status_code(caught.value) == grpc.StatusCode.DEADLINE_EXCEEDED  # 504 through the bridge
    assert 0.25 <= elapsed < 1.0
    assert len(fake_gemini.requests) == 1  # no time left for a retry
    assert fake_gemini.requests[0].headers["x-server-timeout"] == "1"


def test_unknown_model_is_remembered_and_fails_fast_until_a_probe_succeeds(
    fake_gemini: FakeGeminiServer, clock: FakeClock
) -> None:
    provider = GeminiOcrProvider(
        make_settings(fake_gemini, model_name=RETIRED), clock=clock, sleep=clock.sleep, reprobe_after_s=300
    )

    with pytest.raises(OcrError) as first:
        provider.read([make_crop()])
    status = provider.status()
    with pytest.raises(OcrError) as second:
        provider.read([make_crop(), make_crop()])

    assert first.value.reason == second.value.reason == "OCR_MODEL_NOT_FOUND"
    assert (status.available, status.status, status.model_name) == (False, "unavailable", RETIRED)
    assert RETIRED in status.error and "404" in status.error
    assert [r.path for r in fake_gemini.requests] == [f"/v1beta/models/{RETIRED}:generateContent"]

    clock.advance(299)
    with pytest.raises(OcrError):
        provider.read([make_crop()])
    assert len(fake_gemini.requests) == 1  # still no network call

    fake_gemini.known_models.add(RETIRED)  # e.g. the API brings it back
    clock.advance(2)
    (read,) = provider.read([make_crop()])

    assert read.text == "B 1234 CD"
    assert [r.action for r in fake_gemini.requests] == ["generateContent", "get", "generateContent"]
    assert provider.status().available


def test_a_failed_reprobe_waits_another_period(fake_gemini: FakeGeminiServer, clock: FakeClock) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini, model_name=RETIRED), clock=clock, reprobe_after_s=60)
    with pytest.raises(OcrError):
        provider.read([make_crop()])
    clock.advance(61)
    with pytest.raises(OcrError):
        provider.read([make_crop()])  # probes: still 404
    clock.advance(30)
    with pytest.raises(OcrError):
        provider.read([make_crop()])  # within the new period: no call

    assert [r.action for r in fake_gemini.requests] == ["generateContent", "get"]


def test_probe_checks_key_and_model_with_one_get(fake_gemini: FakeGeminiServer) -> None:
    good = GeminiOcrProvider(make_settings(fake_gemini))
    retired = GeminiOcrProvider(make_settings(fake_gemini, model_name=RETIRED))

    assert good.probe().status == "configured"
    gone = retired.probe()

    assert (gone.available, gone.status) == (False, "unavailable") and RETIRED in gone.error
    assert [(r.method, r.path) for r in fake_gemini.requests] == [
        ("GET", f"/v1beta/models/{DEFAULT_MODEL}"),
        ("GET", f"/v1beta/models/{RETIRED}"),
    ]
    assert fake_gemini.calls("generateContent") == []


def test_probe_that_cannot_reach_the_api_is_inconclusive() -> None:
    with FakeGeminiServer() as fake:
        settings = make_settings(fake, timeout_s=0.5)
    provider = GeminiOcrProvider(settings)  # the fake is gone: connection refused

    status = provider.probe()

    assert (status.available, status.status) == (True, "configured")
    assert "inconclusive" in status.error


def test_status_makes_no_network_call(fake_gemini: FakeGeminiServer) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini))

    status = provider.status()

    assert (status.name, status.available, status.status, status.model_name) == (
        "gemini",
        True,
        "configured",
        DEFAULT_MODEL,
    )
    assert fake_gemini.requests == []


def test_rate_limit_beyond_the_budget_raises_without_a_request(fake_gemini: FakeGeminiServer) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini, rate_limit_per_minute=1, timeout_s=0.5))
    provider.read([make_crop()])

    started = time.perf_counter()
    with pytest.raises(OcrRateLimitedError) as caught:
        provider.read([make_crop()])

    assert time.perf_counter() - started < 0.2  # refused at once, not after blocking
    assert "1 requests/minute" in caught.value.message
    assert len(fake_gemini.requests) == 1


def test_rate_limit_waits_when_the_budget_allows(fake_gemini: FakeGeminiServer, clock: FakeClock) -> None:
    provider = GeminiOcrProvider(
        make_settings(fake_gemini, rate_limit_per_minute=60, timeout_s=5.0, max_concurrency=1),
        clock=clock,
        sleep=clock.sleep,
    )
    started = clock()

    reads = provider.read([make_crop(100 + i) for i in range(13)])  # a burst of 10, then 1 per second

    assert len(reads) == 13
    assert clock.sleeps == pytest.approx([1.0, 1.0, 1.0])
    assert clock() - started == pytest.approx(3.0)


@pytest.mark.parametrize("cap", [1, 2, 4])
def test_concurrency_cap_holds_and_is_used(fake_gemini: FakeGeminiServer, cap: int) -> None:
    fake_gemini.responder = lambda request: plate_reply(delay_s=0.08)
    provider = GeminiOcrProvider(make_settings(fake_gemini, max_concurrency=cap))

    started = time.perf_counter()
    reads = provider.read([make_crop(100 + i) for i in range(6)])
    elapsed = time.perf_counter() - started

    assert len(reads) == 6
    assert fake_gemini.max_in_flight == cap
    waves = -(-6 // cap)
    assert waves * 0.08 <= elapsed < waves * 0.08 + 1.0  # waves really wait for each other


def test_concurrency_cap_is_shared_by_concurrent_reads(fake_gemini: FakeGeminiServer) -> None:
    import threading

    fake_gemini.responder = lambda request: plate_reply(delay_s=0.1)
    provider = GeminiOcrProvider(make_settings(fake_gemini, max_concurrency=2))
    threads = [threading.Thread(target=provider.read, args=([make_crop(), make_crop()],)) for _ in range(3)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fake_gemini.requests) == 6
    assert fake_gemini.max_in_flight == 2


def test_backoff_policy_comes_from_settings(fake_gemini: FakeGeminiServer) -> None:
    provider = GeminiOcrProvider(make_settings(fake_gemini, max_retries=5))

    assert provider._backoff == BackoffPolicy(max_retries=5)


def test_empty_read_makes_no_call(fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider) -> None:
    assert provider.read([]) == []
    assert fake_gemini.requests == []


def test_an_empty_crop_fails_alone_without_a_request(
    fake_gemini: FakeGeminiServer, provider: GeminiOcrProvider
) -> None:
    results = provider.read_each([make_crop(100), make_crop(0)])

    assert isinstance(results[0], OcrRead) and results[0].text == "B 1234 CD"
    assert isinstance(results[1], OcrError) and results[1].reason == "OCR_BAD_INPUT"
    assert len(fake_gemini.requests) == 1
