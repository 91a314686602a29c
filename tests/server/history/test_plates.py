"""The history's plate index: deletion neighbourhoods of folded keys find every plate within the distance."""

from __future__ import annotations

import random
import string

from server.history.plates import deletion_variants
from server.plates.identity import fold, weighted_distance
from server.plates.metrics import edit_distance


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
                assert edit_distance(fold(a), fold(b)) <= k
                shared = {v for v, d in deletion_variants(fold(a), k).items() if d <= k} & \
                         {v for v, d in deletion_variants(fold(b), k).items() if d <= k}
                assert shared, (a, b, k)
    assert checked > 500
