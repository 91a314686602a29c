"""The one plate identity: normalisation, look-alike folding, the weighted distance, "the same plate"."""

from __future__ import annotations

import pytest

from server.plates.identity import (
    LOOKALIKE_COST,
    fold,
    normalise,
    plate_distance,
    same_plate,
    substitution_cost,
    weighted_distance,
)
from server.plates.metrics import comparable
from server.plates.rules import interpret


def test_normalise_keeps_upper_alphanumerics() -> None:
    assert normalise(" b 1234-cd ") == "B1234CD"
    assert normalise("…") == ""


@pytest.mark.parametrize(("a", "b"), [("O", "0"), ("Q", "D"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"),
                                      ("G", "6")])
def test_lookalikes_fold_together_and_cost_less(a: str, b: str) -> None:
    assert fold(a) == fold(b)
    assert substitution_cost(a, b) == LOOKALIKE_COST
    assert weighted_distance(f"B12{a}4", f"B12{b}4") == LOOKALIKE_COST


def test_other_edits_cost_one() -> None:
    assert substitution_cost("A", "X") == 1.0
    assert weighted_distance("B1234CD", "B1234CX") == 1.0
    assert weighted_distance("B1234CD", "B123CD") == 1.0
    assert weighted_distance("B1234CD", "B12345CD") == 1.0
    assert weighted_distance("B1234CD", "B1234CD") == 0.0
    assert weighted_distance("B1234CD", "D9999XY") > 2


def test_same_plate_counts_lookalikes_as_half_an_edit() -> None:
    assert same_plate("B 1234 CD", "b1234-cd", 0)
    assert same_plate("B1234CD", "81234C0", 1)  # two look-alike swaps: 1.0
    assert not same_plate("B1234CD", "B1234XY", 1)
    assert not same_plate("", "", 2)  # nothing read is nobody's plate
    assert plate_distance("B 1234 CO", "B1234CD") == LOOKALIKE_COST


def test_every_user_of_a_plate_text_normalises_the_same_way() -> None:
    """Evaluation, the plate rules and the history all start from the one normal form."""
    text = " b 12-34 cd "
    assert comparable(text) == normalise(text) == "B1234CD"
    assert interpret(text).raw_text == normalise(text)
