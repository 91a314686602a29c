"""Shared helpers for the Gemini / auto OCR tests: a fake clock, a fake local provider, crops."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from server.config import OcrSettings
from server.domain import Image, OcrRead
from server.errors import OcrError
from server.ocr.base import ProviderStatus
from tests.fakes.gemini_server import DEFAULT_KEY, FakeGeminiServer, RecordedRequest


class FakeClock:
    """A monotonic clock that only moves when told to; sleep() advances it and is recorded."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Record the sleep and advance time instead of waiting."""
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds


class RecordingProvider:
    """A stand-in for the local OCR: reads every crop as 'LOCAL <width>' and records each call."""

    def __init__(self, name: str = "fake-local", *, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.calls: list[list[int]] = []  # the widths of the crops of each call

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """One OcrRead per crop, or OcrError when told to fail."""
        self.calls.append([int(c.shape[1]) for c in crops])
        if self.fail:
            raise OcrError(f"{self.name} is broken")
        return [OcrRead(text=f"LOCAL {c.shape[1]}", confidence=0.5, provider=self.name) for c in crops]

    def status(self) -> ProviderStatus:
        """Always loaded (or unavailable when told to fail)."""
        if self.fail:
            return ProviderStatus(self.name, False, "unavailable", "ppocr", f"{self.name} is broken")
        return ProviderStatus(self.name, True, "loaded", "ppocr")


def make_settings(fake: FakeGeminiServer | None = None, **overrides: Any) -> OcrSettings:
    """OcrSettings pointing at the fake, with a short timeout; any field can be overridden."""
    values: dict[str, Any] = {
        "provider": "auto",
        "api_key": DEFAULT_KEY,
        "gemini_base_url": fake.base_url if fake is not None else "",
        "timeout_s": 2.0,
        "max_retries": 2,
        "rate_limit_per_minute": 600,
        "max_concurrency": 4,
    }
    values.update(overrides)
    return OcrSettings.model_validate(values)


def make_crop(width: int = 120, height: int = 40) -> Image:
    """A synthetic plate crop: grey with a darker band, `width` wide so a responder can tell crops apart."""
    crop = np.full((height, width, 3), 210, dtype=np.uint8)
    crop[height // 4 : 3 * height // 4, width // 8 : 7 * width // 8] = 30
    return crop


def sent_image(request: RecordedRequest) -> Image:
    """The one inline JPEG of a generateContent request, decoded."""
    ((mime, data),) = request.inline_data()
    assert mime == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "the inline data is not a decodable JPEG"
    return image.astype(np.uint8)
