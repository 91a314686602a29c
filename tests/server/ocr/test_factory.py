"""build_ocr_provider: which provider each configuration gets (no network calls)."""

from __future__ import annotations

from server.ocr.auto import AutoOcrProvider
from server.ocr.factory import build_ocr_provider
from server.ocr.gemini import GeminiOcrProvider
from tests.server.ocr.gemini_helpers import RecordingProvider, make_settings


def test_local_is_the_local_provider() -> None:
    local = RecordingProvider()

    assert build_ocr_provider(make_settings(provider="local"), local) is local


def test_gemini_with_a_key_is_gemini_alone() -> None:
    provider = build_ocr_provider(make_settings(provider="gemini", model_name="gemini-x"), RecordingProvider())

    assert isinstance(provider, GeminiOcrProvider)
    assert (provider.name, provider.model_name, provider.status().status) == ("gemini", "gemini-x", "configured")


def test_auto_with_a_key_wraps_gemini_and_local() -> None:
    local = RecordingProvider()

    provider = build_ocr_provider(make_settings(provider="auto"), local)

    assert isinstance(provider, AutoOcrProvider)
    assert isinstance(provider.primary, GeminiOcrProvider) and provider.fallback is local


def test_auto_reuses_a_given_gemini_provider() -> None:
    settings = make_settings(provider="auto")
    gemini = GeminiOcrProvider(settings)

    provider = build_ocr_provider(settings, RecordingProvider(), gemini=gemini)

    assert isinstance(provider, AutoOcrProvider) and provider.primary is gemini


def test_without_a_key_auto_and_gemini_read_locally_and_say_why() -> None:
    local = RecordingProvider()
    for choice in ("auto", "gemini"):
        provider = build_ocr_provider(make_settings(provider=choice, api_key=""), local)

        assert isinstance(provider, AutoOcrProvider) and provider.primary is None
        status = provider.status()
        assert status.available and "GEMINI_API_KEY is not set" in status.error
        assert ("'gemini'" in status.error) is (choice == "gemini")


def test_without_a_local_reader_gemini_reads_alone() -> None:
    provider = build_ocr_provider(make_settings(provider="auto"), None)

    assert isinstance(provider, GeminiOcrProvider)


def test_without_a_local_reader_or_a_key_nothing_reads() -> None:
    assert build_ocr_provider(make_settings(provider="auto", api_key=""), None) is None
