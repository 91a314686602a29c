"""Fixtures for the Gemini / auto OCR tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.gemini_server import FakeGeminiServer


@pytest.fixture
def fake_gemini() -> Iterator[FakeGeminiServer]:
    """A fresh fake Gemini API on a free loopback port."""
    with FakeGeminiServer() as fake:
        yield fake
