"""Fixtures of the OCR tests: a fake Gemini API, and the committed plate recognizer (skip when absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.ocr.plate_recognizer import DEFAULT_MODEL, PlateRecognizerProvider
from tests.fakes.gemini_server import FakeGeminiServer


@pytest.fixture
def fake_gemini() -> Iterator[FakeGeminiServer]:
    """A fresh fake Gemini API on a free loopback port."""
    with FakeGeminiServer() as fake:
        yield fake


@pytest.fixture(scope="session")
def model_path() -> Path:
    """models/plate_recognizer.onnx, or skip with the way to build it."""
    if not DEFAULT_MODEL.is_file():
        pytest.skip(f"{DEFAULT_MODEL} is absent: run `make train-recognizer`")
    return DEFAULT_MODEL


@pytest.fixture(scope="session")
def recognizer(model_path: Path) -> PlateRecognizerProvider:
    """One shared provider, as the server holds it."""
    return PlateRecognizerProvider(model_path, intra_op_threads=1)
