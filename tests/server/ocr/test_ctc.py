"""Greedy CTC decoding: runs collapse, blanks separate repeats, probabilities and runner-ups per character."""

from __future__ import annotations

import numpy as np
import pytest

from server.ocr.ctc import greedy_decode

ALPHABET = "AB1"


def frames(*rows: tuple[int, float, int, float]) -> np.ndarray:
    """Per-frame probabilities: (top class, its prob, second class, its prob); rest spread evenly."""
    out = np.zeros((len(rows), len(ALPHABET) + 1), np.float32)
    for t, (top, p, second, q) in enumerate(rows):
        out[t, :] = (1.0 - p - q) / (len(ALPHABET) - 1)
        out[t, top] = p
        out[t, second] = q
    return out


def test_runs_collapse_and_blanks_separate_repeats() -> None:
    probs = frames((1, 0.9, 0, 0.05), (1, 0.8, 0, 0.1), (0, 0.9, 1, 0.05), (1, 0.7, 2, 0.2), (3, 0.6, 2, 0.3))
    line = greedy_decode(probs, ALPHABET)
    assert line.text == "AA1"
    assert [c.prob for c in line.chars] == pytest.approx([0.9, 0.7, 0.6])


def test_runner_up_is_the_best_other_character_at_the_peak() -> None:
    line = greedy_decode(frames((0, 0.9, 1, 0.05), (3, 0.55, 2, 0.4), (0, 0.9, 1, 0.05)), ALPHABET)
    assert line.text == "1"
    assert line.chars[0].alt == "B"
    assert line.chars[0].alt_prob == pytest.approx(0.4)


def test_all_blank_is_empty() -> None:
    line = greedy_decode(frames((0, 0.99, 1, 0.005), (0, 0.99, 2, 0.005)), ALPHABET)
    assert line.text == ""
    assert line.chars == ()


def test_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="expected"):
        greedy_decode(np.zeros((5, 3), np.float32), ALPHABET)
