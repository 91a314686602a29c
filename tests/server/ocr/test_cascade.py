"""CascadeOcrProvider: keeps sure Indonesian reads, asks the fallback for the rest, survives either failing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from server.domain import CharConfidence, Image, OcrRead
from server.errors import OcrError
from server.ocr.base import OcrProvider, ProviderStatus
from server.ocr.cascade import CascadeOcrProvider


def read(text: str, confidence: float, provider: str, date: str = "08.29") -> OcrRead:
    """A read whose characters all carry `confidence`."""
    chars = tuple(CharConfidence(c, confidence) for c in text)
    return OcrRead(text, confidence, provider, date_text=date, chars=chars)


class Scripted:
    """A provider answering from a list keyed by the crop's first pixel value; records what it was asked."""

    def __init__(self, name: str, answers: dict[int, OcrRead], fail: bool = False) -> None:
        self.name = name
        self.answers = answers
        self.fail = fail
        self.asked: list[int] = []

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """The scripted reads (or OcrError when told to fail)."""
        keys = [int(c[0, 0, 0]) for c in crops]
        self.asked.extend(keys)
        if self.fail:
            raise OcrError(f"{self.name} down")
        return [self.answers[k] for k in keys]

    def status(self) -> ProviderStatus:
        """Available unless told to fail."""
        return ProviderStatus(self.name, not self.fail, "loaded", model_name=self.name)


def crop(key: int) -> Image:
    return np.full((20, 60, 3), key, np.uint8)


PRIMARY = {
    1: read("B1234CD", 0.99, "recognizer"),  # sure and Indonesian: kept
    2: read("B1234CD", 0.30, "recognizer"),  # unsure: fallback
    3: read("UZP660", 0.99, "recognizer"),  # sure but not Indonesian (a US plate): fallback
    4: read("", 0.0, "recognizer"),  # nothing read: fallback
}
FALLBACK = {
    2: read("B1284CD", 0.9, "local"),
    3: read("UZP660", 0.9, "local"),
    4: read("AB1CD", 0.9, "local"),
}


def test_protocol() -> None:
    assert isinstance(CascadeOcrProvider(Scripted("a", {}), Scripted("b", {})), OcrProvider)
    assert CascadeOcrProvider.name == "local"


def test_only_unsure_crops_reach_the_fallback() -> None:
    primary, fallback = Scripted("recognizer", PRIMARY), Scripted("local", FALLBACK)
    reads = CascadeOcrProvider(primary, fallback, 0.8).read([crop(k) for k in (1, 2, 3, 4)])
    assert fallback.asked == [2, 3, 4]
    assert [r.text for r in reads] == ["B1234CD", "B1284CD", "UZP660", "AB1CD"]
    assert [r.provider for r in reads] == ["recognizer", "local", "local", "local"]


def test_primary_indonesian_read_beats_a_fallback_read_that_is_not() -> None:
    primary = Scripted("recognizer", {5: read("B1234CD", 0.4, "recognizer")})
    fallback = Scripted("local", {5: read("BLOGGER", 0.9, "local")})
    (result,) = CascadeOcrProvider(primary, fallback, 0.8).read([crop(5)])
    assert result.provider == "recognizer"


def test_undated_indonesian_shaped_primary_does_not_replace_a_foreign_fallback_read() -> None:
    # A US plate "8363HJ": the recognizer bends it into "B363HJ" but reads no MM.YY row under it.
    primary = Scripted("recognizer", {7: read("B363HJ", 0.6, "recognizer", date="")})
    fallback = Scripted("local", {7: read("8363HJ", 0.9, "local")})
    (result,) = CascadeOcrProvider(primary, fallback, 0.8).read([crop(7)])
    assert (result.text, result.provider) == ("8363HJ", "local")
    (kept,) = CascadeOcrProvider(primary, fallback, 0.8, require_date=False).read([crop(7)])
    assert kept.provider == "recognizer"  # without the date requirement the Indonesian shape wins


def test_threshold_zero_never_falls_back_on_indonesian_reads() -> None:
    fallback = Scripted("local", FALLBACK)
    CascadeOcrProvider(Scripted("recognizer", PRIMARY), fallback, 0.0).read([crop(1), crop(2)])
    assert fallback.asked == []


def test_undated_reads_fall_back_only_when_a_date_is_required() -> None:
    primary = Scripted("recognizer", {6: read("B1234CD", 0.99, "recognizer", date="")})
    fallback = Scripted("local", {6: read("B1234CD", 0.9, "local")})
    (strict,) = CascadeOcrProvider(primary, fallback, 0.8).read([crop(6)])
    (lenient,) = CascadeOcrProvider(primary, fallback, 0.8, require_date=False).read([crop(6)])
    assert strict.provider == "local"
    assert lenient.provider == "recognizer"


def test_fallback_failure_keeps_primary_reads() -> None:
    reads = CascadeOcrProvider(Scripted("recognizer", PRIMARY), Scripted("local", {}, fail=True), 0.8).read(
        [crop(1), crop(2)]
    )
    assert [r.provider for r in reads] == ["recognizer", "recognizer"]


def test_primary_failure_reads_everything_with_the_fallback() -> None:
    fallback = Scripted("local", FALLBACK)
    reads = CascadeOcrProvider(Scripted("recognizer", {}, fail=True), fallback, 0.8).read([crop(2), crop(3)])
    assert [r.provider for r in reads] == ["local", "local"]


def test_both_failing_raises() -> None:
    cascade = CascadeOcrProvider(Scripted("recognizer", {}, fail=True), Scripted("local", {}, fail=True))
    with pytest.raises(OcrError):
        cascade.read([crop(1)])


def test_status_names_both_readers() -> None:
    status = CascadeOcrProvider(Scripted("recognizer", {}), Scripted("local", {}, fail=True)).status()
    assert status.available
    assert status.name == "local"
    assert "recognizer" in status.model_name and "local" in status.model_name


def test_a_fallback_read_carries_the_primary_read_it_replaced() -> None:
    primary, fallback = Scripted("recognizer", PRIMARY), Scripted("local", FALLBACK)
    sure, unsure, _, empty = CascadeOcrProvider(primary, fallback, 0.8).read([crop(k) for k in (1, 2, 3, 4)])
    assert sure.second_read is None  # the fallback never read it
    assert unsure.second_read is not None
    assert (unsure.second_read.text, unsure.second_read.provider) == ("B1234CD", "recognizer")
    assert unsure.second_read.confidence == 0.30
    assert empty.second_read is None  # the primary read nothing


def test_a_kept_primary_read_carries_the_fallback_read() -> None:
    primary = Scripted("recognizer", {5: read("B1234CD", 0.4, "recognizer")})
    fallback = Scripted("local", {5: read("BLOGGER", 0.9, "local")})
    (result,) = CascadeOcrProvider(primary, fallback, 0.8).read([crop(5)])
    assert result.provider == "recognizer"
    assert result.second_read is not None and result.second_read.text == "BLOGGER"
