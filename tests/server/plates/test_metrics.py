"""Evaluation metrics."""

from __future__ import annotations

import pytest

from server.plates.metrics import (
    char_error_rate,
    comparable,
    confusions,
    edit_distance,
    is_exact,
    percentile,
    score,
)


def test_comparable_folds_spaces_case_and_o() -> None:
    assert comparable("b 12o4 cd") == "B1204CD"
    assert is_exact("B 1204 CD", "B12O4CD")
    assert not is_exact("B 1204 CD", "B1204CE")


@pytest.mark.parametrize(("a", "b", "d"), [("", "", 0), ("ABC", "", 3), ("KITTEN", "SITTING", 3), ("AB", "BA", 2)])
def test_edit_distance(a: str, b: str, d: int) -> None:
    assert edit_distance(a, b) == d


def test_char_error_rate() -> None:
    assert char_error_rate([("B1234CD", "B1234CD"), ("B1234C", "B1234CD")]) == pytest.approx(1 / 14)
    assert char_error_rate([]) == 0.0


def test_percentile() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 50) == 1.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)


def test_score() -> None:
    result = score(["B 1234 CD", "X"], ["B1234CD", "Y"], [10.0, 30.0])
    assert result.count == 2
    assert result.exact_match == 0.5
    assert result.latency_p50_ms == 20.0


@pytest.mark.parametrize(("read", "truth", "pairs"), [
    ("B 1234 CD", "B1234CD", []),
    ("B1234CO", "B1234C0", []),  # O and 0 are one character when comparing
    ("B1230CD", "B1239CD", [("9", "0")]),
    ("B1234C", "B1234CD", [("D", "")]),
    ("8B1234CD", "B1234CD", [("", "8")]),
    ("U1234CD", "H1234CD", [("H", "U")]),
    ("", "AB12", [("A", ""), ("B", ""), ("1", ""), ("2", "")]),
])
def test_confusions_align_reads_with_truth(read: str, truth: str, pairs: list[tuple[str, str]]) -> None:
    assert confusions(read, truth) == pairs
