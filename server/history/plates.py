"""The history's plate index: deletion neighbourhoods of look-alike-folded keys (server/plates/identity.py).

Folded keys within edit distance k share a string made by deleting at most k characters of each, so
the deletion variants stored per plate find every read within the look-alike-aware distance k.
"""

from __future__ import annotations

from itertools import combinations

# Deepest deletion neighbourhood kept in the index: fuzzy searches go up to this distance.
MAX_FUZZY_DISTANCE = 2
# Longest normalised plate text searched, watched or recorded (plates have at most about 10 characters).
MAX_PLATE_LENGTH = 20


def deletion_variants(key: str, max_deletions: int = MAX_FUZZY_DISTANCE) -> dict[str, int]:
    """Every string made by deleting up to max_deletions characters (never all), with the fewest deletions."""
    variants: dict[str, int] = {}
    for deletions in range(min(max_deletions, len(key) - 1) + 1):
        for removed in combinations(range(len(key)), deletions):
            gone = set(removed)
            variant = "".join(ch for i, ch in enumerate(key) if i not in gone)
            variants.setdefault(variant, deletions)
    return variants
