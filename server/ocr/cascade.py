"""Fast reader first, general OCR only where it is unsure: the recognizer backed by PP-OCR.

A primary read is kept when it is confident and parses as an Indonesian plate (optionally: and a
validity date "MM.YY" was read under it, which other countries' plates lack); every other crop is
read again by the fallback. Each OcrRead's `provider` names the reader that produced it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from server.config import OcrSettings
from server.domain import Image, OcrRead
from server.errors import OcrError
from server.ocr.base import OcrProvider, ProviderStatus
from server.plates.recognize import interpret_read
from server.plates.rules import parse_date

logger = logging.getLogger(__name__)

# Chosen on the recognizer's validation split (held-out part of the *-train sets), never on
# evaluation sets: see training/choose_threshold.py.
DEFAULT_MIN_CONFIDENCE: float = OcrSettings.model_fields["recognizer_min_confidence"].default
DEFAULT_REQUIRE_DATE: bool = OcrSettings.model_fields["cascade_require_date"].default


class CascadeOcrProvider:
    """OcrProvider that asks `primary` first and `fallback` for the crops `primary` is unsure of."""

    name = "local"

    def __init__(
        self,
        primary: OcrProvider,
        fallback: OcrProvider,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        *,
        require_date: bool = DEFAULT_REQUIRE_DATE,
        vote: bool = False,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.min_confidence = min_confidence
        self.require_date = require_date
        self.vote = vote  # per-character voting where both reads are Indonesian plates of one length

    def accepts(self, read: OcrRead) -> bool:
        """Whether a primary read stands: confident, an Indonesian plate by the rules (and dated, if required)."""
        return read.confidence >= self.min_confidence and self._looks_indonesian(read)

    def _looks_indonesian(self, read: OcrRead) -> bool:
        """A read that parses as an Indonesian plate (with a validity date under it, if required)."""
        if not read.text or (self.require_date and not parse_date(read.date_text)):
            return False
        return interpret_read(read).is_indonesian

    def status(self) -> ProviderStatus:
        """Available when either reader is; the model name lists both."""
        first, second = self.primary.status(), self.fallback.status()
        available = first.available or second.available
        error = "; ".join(e for e in (first.error, second.error) if e)
        return ProviderStatus(
            self.name,
            available,
            "loaded" if available else "unavailable",
            model_name=f"{first.model_name} -> {second.model_name}",
            error=error,
        )

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """Primary reads where they are sure, fallback reads elsewhere; same order as `crops`."""
        try:
            reads = self.primary.read(crops)
        except OcrError as exc:
            logger.warning("%s failed, reading with %s: %s", self.primary.name, self.fallback.name, exc)
            return self.fallback.read(crops)
        unsure = [i for i, read in enumerate(reads) if not self.accepts(read)]
        if not unsure:
            return reads
        try:
            second = self.fallback.read([crops[i] for i in unsure])
        except OcrError as exc:
            logger.warning(
                "%s failed on %d unsure crops, keeping %s reads: %s",
                self.fallback.name,
                len(unsure),
                self.primary.name,
                exc,
            )
            return reads
        merged = list(reads)
        for i, read in zip(unsure, second, strict=True):
            merged[i] = self._with_other(self._pick(reads[i], read), reads[i], read)
        return merged

    @staticmethod
    def _with_other(chosen: OcrRead, primary: OcrRead, fallback: OcrRead) -> OcrRead:
        """The chosen read carrying the reader's read it was not chosen over (for video voting)."""
        other = fallback if chosen is primary else primary
        return replace(chosen, second_read=replace(other, second_read=None)) if other.text else chosen

    def _pick(self, primary: OcrRead, fallback: OcrRead) -> OcrRead:
        """The fallback read, unless only the primary one is a (dated, if required) Indonesian plate.

        The date matters: on plates from elsewhere the recognizer, trained on Indonesian plates, bends
        the text into an Indonesian shape ("8363HJ" -> "B 363 HJ") but finds no "MM.YY" row under it.
        """
        if not fallback.text:
            return primary if primary.text else fallback
        if self._looks_indonesian(primary) and not interpret_read(fallback).is_indonesian:
            return primary
        if self.vote and interpret_read(primary).is_indonesian and interpret_read(fallback).is_indonesian:
            return vote(primary, fallback)
        return fallback


def vote(primary: OcrRead, fallback: OcrRead) -> OcrRead:
    """Both readers voting per character: where the two reads have the same length, each position takes
    the character of the reader more sure of it (the fallback's read otherwise, unchanged).

    Measured on the held-out part of the *-train sets (training/choose_threshold.py) with recognizer
    2.0.0: 88.2% -> 89.0%; off by default (ocr.cascade_vote).
    """
    a, b = primary.chars, fallback.chars
    if not a or len(a) != len(b) or len(b) != len(fallback.text):
        return fallback
    chars = tuple(x if x.confidence > y.confidence else y for x, y in zip(a, b, strict=True))
    if chars == b:
        return fallback
    return replace(fallback, text="".join(c.char for c in chars), confidence=min(c.confidence for c in chars),
                   chars=chars, candidates=())
