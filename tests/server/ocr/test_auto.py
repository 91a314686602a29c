"""AutoOcrProvider: Gemini (real SDK, fake API) first, the fallback for every crop it fails on."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from server.domain import Image, OcrRead
from server.errors import OcrError
from server.ocr.auto import AutoOcrProvider
from server.ocr.base import ProviderStatus
from server.ocr.gemini import GeminiOcrProvider
from tests.fakes.gemini_server import FakeGeminiServer, FakeReply, RecordedRequest, error_reply, plate_reply, text_reply
from tests.server.ocr.gemini_helpers import FakeClock, RecordingProvider, make_crop, make_settings, sent_image


def auto_on(fake: FakeGeminiServer, local: RecordingProvider, **overrides: object) -> AutoOcrProvider:
    """Auto over a Gemini provider on the fake (fake clock for backoff) and `local`."""
    clock = FakeClock()
    gemini = GeminiOcrProvider(make_settings(fake, **overrides), clock=clock, sleep=clock.sleep)
    return AutoOcrProvider(gemini, local)


def test_gemini_reads_when_it_works(fake_gemini: FakeGeminiServer) -> None:
    local = RecordingProvider()

    reads = auto_on(fake_gemini, local).read([make_crop(100), make_crop(110)])

    assert [r.provider for r in reads] == ["gemini", "gemini"]
    assert local.calls == []


def test_5xx_until_retries_run_out_falls_back(fake_gemini: FakeGeminiServer) -> None:
    fake_gemini.enqueue(*[error_reply(503, "UNAVAILABLE")] * 3)
    local = RecordingProvider()

    (read,) = auto_on(fake_gemini, local, max_retries=2).read([make_crop(123)])

    assert (read.provider, read.text) == ("fake-local", "LOCAL 123")
    assert len(fake_gemini.requests) == 3
    assert local.calls == [[123]]


def test_timeout_falls_back_in_time(fake_gemini: FakeGeminiServer) -> None:
    fake_gemini.enqueue(plate_reply(delay_s=3.0))
    local = RecordingProvider()
    auto = AutoOcrProvider(GeminiOcrProvider(make_settings(fake_gemini, timeout_s=0.3)), local)

    started = time.perf_counter()
    (read,) = auto.read([make_crop(140)])

    assert read.provider == "fake-local"
    assert time.perf_counter() - started < 1.0


def test_rate_limited_crops_fall_back(fake_gemini: FakeGeminiServer) -> None:
    local = RecordingProvider()
    auto = AutoOcrProvider(
        GeminiOcrProvider(make_settings(fake_gemini, rate_limit_per_minute=2, timeout_s=0.5)), local
    )  # a burst of 1 request, then one every 30 s

    reads = auto.read([make_crop(100), make_crop(101), make_crop(102)])

    assert sorted(r.provider for r in reads) == ["fake-local", "fake-local", "gemini"]
    assert len(fake_gemini.requests) == 1
    (gemini_width,) = [sent_image(r).shape[1] for r in fake_gemini.requests]
    assert len(local.calls) == 1 and sorted([*local.calls[0], gemini_width]) == [100, 101, 102]


def test_only_the_failed_crop_falls_back(fake_gemini: FakeGeminiServer) -> None:
    def second_is_garbled(request: RecordedRequest) -> FakeReply:
        width = sent_image(request).shape[1]
        return text_reply("{oops") if width == 110 else plate_reply(plate_number=f"B {width} A")

    fake_gemini.responder = second_is_garbled
    local = RecordingProvider()

    reads = auto_on(fake_gemini, local).read([make_crop(100), make_crop(110), make_crop(120)])

    assert [(r.provider, r.text) for r in reads] == [
        ("gemini", "B 100 A"),
        ("fake-local", "LOCAL 110"),
        ("gemini", "B 120 A"),
    ]
    assert local.calls == [[110]]


def test_unknown_model_falls_back_without_calling_gemini_again(fake_gemini: FakeGeminiServer) -> None:
    local = RecordingProvider()
    auto = auto_on(fake_gemini, local, model_name="gemini-2.0-flash-lite-001")

    auto.read([make_crop(100)])
    reads = auto.read([make_crop(100), make_crop(101)])
    status = auto.status()

    assert [r.provider for r in reads] == ["fake-local", "fake-local"]
    assert len(fake_gemini.requests) == 1
    assert local.calls == [[100], [100, 101]]
    assert (status.name, status.available, status.model_name) == ("auto", True, "ppocr")
    assert "gemini-2.0-flash-lite-001" in status.error and "reading with fake-local" in status.error
    assert [s.name for s in auto.statuses()] == ["gemini", "fake-local"]
    assert [s.available for s in auto.statuses()] == [False, True]


def test_fallback_errors_propagate(fake_gemini: FakeGeminiServer) -> None:
    fake_gemini.enqueue(error_reply(400, "INVALID_ARGUMENT"))

    with pytest.raises(OcrError, match="fake-local is broken"):
        auto_on(fake_gemini, RecordingProvider(fail=True)).read([make_crop()])


def test_without_a_primary_the_fallback_reads_everything() -> None:
    local = RecordingProvider()
    auto = AutoOcrProvider(None, local, note="GEMINI_API_KEY is not set")

    reads = auto.read([make_crop(100), make_crop(101)])

    assert [r.provider for r in reads] == ["fake-local", "fake-local"]
    assert auto.status().error == "GEMINI_API_KEY is not set"
    assert auto.status().available


class AllOrNothing:
    """A primary without read_each: it either reads every crop or raises."""

    name = "plain"

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        if self.fail:
            raise OcrError("plain failed")
        return [OcrRead("X 1 Y", 0.9, self.name) for _ in crops]

    def status(self) -> ProviderStatus:
        return ProviderStatus(self.name, True, "configured")


@pytest.mark.parametrize(("fail", "expected"), [(False, "plain"), (True, "fake-local")])
def test_a_plain_primary_falls_back_as_a_whole(fail: bool, expected: str) -> None:
    auto = AutoOcrProvider(AllOrNothing(fail), RecordingProvider())

    reads = auto.read([make_crop(), make_crop()])

    assert [r.provider for r in reads] == [expected, expected]


def test_probe_probes_the_primary(fake_gemini: FakeGeminiServer) -> None:
    auto = auto_on(fake_gemini, RecordingProvider())

    status = auto.probe()

    assert (status.name, status.available, status.status) == ("auto", True, "configured")
    assert [r.action for r in fake_gemini.requests] == ["get"]
