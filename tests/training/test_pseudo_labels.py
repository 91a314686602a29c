"""Pseudo-labels for boxed plates without text: kept only where independent readers agree."""

from __future__ import annotations

from training.pseudo_labels import agreed_foreign, agreed_indonesian


def test_two_of_three_readers_must_agree_on_an_indonesian_plate() -> None:
    assert agreed_indonesian(["B1234CD", "B1234CD", "81234CD"]) == "B1234CD"
    assert agreed_indonesian(["B1234CD", "B1234CO", "B1284CD"]) == ""
    assert agreed_indonesian(["", "", "B1234CD"]) == ""  # unparsable reads never vote


def test_short_reads_are_never_labels() -> None:
    assert agreed_indonesian(["B12", "B12", "B12"]) == ""


def test_foreign_plates_need_both_ppocr_readers_and_a_digit() -> None:
    assert agreed_foreign("B172WAW", "B172WAW") == "B172WAW"
    assert agreed_foreign("B172WAW", "B172WAV") == ""
    assert agreed_foreign("STOPAB", "STOPAB") == ""  # a word, not a plate
    assert agreed_foreign("AB1", "AB1") == ""
