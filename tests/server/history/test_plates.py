"""Plate keys: normalisation, look-alike folding, the weighted distance and the deletion neighbourhood."""

from __future__ import annotations

import random
import string

import pytest

from server.history.plates import (
    LOOKALIKE_COST,
    deletion_variants,
    fold_plate,
    normalise_plate,
    substitution_cost,
    weighted_distance,
)
from server.plates.metrics import edit_distance


def test_normalise_keeps_upper_alphanumerics() -> None:
    assert normalise_plate(" b 1234-cd ") == "B1234CD"
    assert normalise_plate("…") == ""


@pytest.mark.parametrize(("a", "b"), [("O", "0"), ("Q", "D"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"),
                                      ("G", "6")])
def test_lookalikes_fold_together_and_cost_less(a: str, b: str) -> None:
    assert fold_plate(a) == fold_plate(b)
    assert substitution_cost(a, b) == LOOKALIKE_COST
    assert weighted_distance(f"B12{a}4", f"B12{b}4") == LOOKALIKE_COST


def test_other_edits_cost_one() -> None:
    assert substitution_cost("A", "X") == 1.0
    assert weighted_distance("B1234CD", "B1234CX") == 1.0
    assert weighted_distance("B1234CD", "B123CD") == 1.0
    assert weighted_distance("B1234CD", "B12345CD") == 1.0
    assert weighted_distance("B1234CD", "B1234CD") == 0.0
    assert weighted_distance("B1234CD", "D9999XY") > 2


def test_deletion_variants_keep_fewest_deletions_and_never_empty() -> None:
    variants = deletion_variants("AAB", 2)
    assert variants["AAB"] == 0 and variants["AB"] == 1 and variants["AA"] == 1 and variants["A"] == 2
    assert "" not in variants
    assert deletion_variants("A", 2) == {"A": 0}


def test_deletion_index_finds_every_plate_within_the_distance() -> None:
    """Completeness: weighted distance <= k implies a shared variant with <= k deletions on each side."""
    rng = random.Random(3)
    alphabet = "B01OD8S5Z2G6IXY"
    checked = 0
    for _ in range(3000):
        a = "".join(rng.choices(alphabet, k=rng.randint(3, 8)))
        chars = list(a)
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            i = rng.randrange(len(chars))
            if op < 0.5:
                chars[i] = rng.choice(alphabet + string.digits)
            elif op < 0.75 and len(chars) > 2:
                del chars[i]
            else:
                chars.insert(i, rng.choice(alphabet))
        b = "".join(chars)
        for k in (1, 2):
            if weighted_distance(a, b) <= k:
                checked += 1
                assert edit_distance(fold_plate(a), fold_plate(b)) <= k
                shared = {v for v, d in deletion_variants(fold_plate(a), k).items() if d <= k} & \
                         {v for v, d in deletion_variants(fold_plate(b), k).items() if d <= k}
                assert shared, (a, b, k)
    assert checked > 500
