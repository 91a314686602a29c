"""Voting over re-cut crops of one plate: the length, then each character, by summed probability."""

from __future__ import annotations

import numpy as np
import pytest

from server.domain import CharConfidence, OcrRead
from training.crop_votes import MAX_VARIANTS, crop_variants, vote_reads


def _read(text: str, probs: list[float], date: str = "08.29") -> OcrRead:
    chars = tuple(CharConfidence(c, p) for c, p in zip(text, probs, strict=True))
    return OcrRead(text=text, confidence=min(probs), provider="recognizer", date_text=date, chars=chars)


def test_each_position_takes_the_character_with_most_probability_behind_it() -> None:
    reads = [_read("B1234QD", [1, 1, 1, 1, 1, 0.55, 1]), _read("B1234OD", [1, 1, 1, 1, 1, 0.9, 1]),
             _read("B1234QD", [1, 1, 1, 1, 1, 0.6, 1])]
    voted = vote_reads(reads)
    assert voted.text == "B1234QD"  # 0.55 + 0.6 for Q beat 0.9 for O
    assert voted.chars[5] == CharConfidence("Q", round(1.15 / 3, 4))
    assert voted.confidence == pytest.approx(1.15 / 3, abs=1e-4)


def test_a_read_of_another_length_adds_nothing_and_lowers_the_agreement() -> None:
    reads = [_read("B1234CD", [0.9] * 7), _read("B234CD", [0.99] * 6), _read("B1234CD", [0.8] * 7)]
    voted = vote_reads(reads)
    assert voted.text == "B1234CD"
    assert voted.confidence == pytest.approx((0.9 + 0.8) / 3, abs=1e-4)


def test_the_date_row_with_most_confidence_behind_it_wins() -> None:
    reads = [_read("B1234CD", [0.9] * 7, "08.29"), _read("B1234CD", [0.9] * 7, "06.29"),
             _read("B1234CD", [0.9] * 7, "06.29")]
    assert vote_reads(reads).date_text == "06.29"


def test_one_read_is_returned_unchanged_and_empty_reads_keep_the_first() -> None:
    one = _read("B1234CD", [0.9] * 7)
    assert vote_reads([one]) is one
    empty = OcrRead(text="", confidence=0.0, provider="recognizer")
    assert vote_reads([empty, empty]).text == ""


def test_variants_are_the_crop_then_trimmed_and_padded_copies() -> None:
    crop = np.zeros((48, 150, 3), np.uint8)
    cuts = crop_variants(crop, MAX_VARIANTS)
    assert cuts[0] is crop
    heights = [c.shape[0] for c in cuts]
    assert heights[1] < 48 < heights[2] and heights[3] < heights[1] and heights[4] > heights[2]
    assert crop_variants(np.zeros((10, 10, 3), np.uint8), 2)[1].shape == (10, 10, 3)  # too small to trim
    with pytest.raises(ValueError, match="1-5"):
        crop_variants(crop, 0)
