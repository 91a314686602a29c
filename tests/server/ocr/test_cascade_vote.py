"""Per-character voting of the cascade's two readers (Indonesian reads of one length only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from server.domain import CharConfidence, Image, OcrRead
from server.ocr.base import ProviderStatus
from server.ocr.cascade import CascadeOcrProvider, vote


def _read(text: str, probs: Sequence[float], provider: str, date: str = "") -> OcrRead:
    chars = tuple(CharConfidence(c, p) for c, p in zip(text, probs, strict=True))
    return OcrRead(text=text, confidence=min(probs), provider=provider, date_text=date, chars=chars)


class Fixed:
    """A provider answering one fixed read."""

    def __init__(self, name: str, read: OcrRead) -> None:
        self.name = name
        self._read = read

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        return [self._read for _ in crops]

    def status(self) -> ProviderStatus:
        return ProviderStatus(self.name, True, "loaded")


def test_each_position_takes_the_surer_reader() -> None:
    primary = _read("N1718HC", [0.95, 0.99, 0.99, 0.99, 0.99, 0.6, 0.99], "recognizer")
    fallback = _read("H1718HC", [0.55, 0.99, 0.99, 0.99, 0.99, 0.99, 0.98], "local")
    voted = vote(primary, fallback)
    assert voted.text == "N1718HC"
    assert voted.provider == "local"
    assert voted.confidence == 0.95


def test_different_lengths_keep_the_fallback() -> None:
    fallback = _read("B1234CD", [0.9] * 7, "local")
    assert vote(_read("B123CD", [0.99] * 6, "recognizer"), fallback) is fallback


def test_cascade_votes_only_between_indonesian_reads() -> None:
    crop = np.zeros((40, 120, 3), np.uint8)
    unsure = _read("N1718HC", [0.97, 0.99, 0.99, 0.99, 0.99, 0.5, 0.99], "recognizer", "08.29")
    local = _read("H1718HC", [0.6, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99], "local")
    on = CascadeOcrProvider(Fixed("recognizer", unsure), Fixed("local", local), vote=True)
    assert on.read([crop])[0].text == "N1718HC"
    off = CascadeOcrProvider(Fixed("recognizer", unsure), Fixed("local", local))
    assert off.read([crop])[0].text == "H1718HC"
    us_read = _read("6HP995", [0.8] * 6, "local")
    shaped = _read("GHP995", [0.99] * 6, "recognizer")
    us = CascadeOcrProvider(Fixed("recognizer", shaped), Fixed("local", us_read), vote=True)
    assert us.read([crop])[0].text == "6HP995"
