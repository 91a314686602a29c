"""What makes two reads one plate: the one normalisation and look-alike-aware distance of the service.

Video de-duplication, history search, watch lists and evaluation all compare plates through here.
Look-alike characters (O/0/Q/D, I/1, B/8, S/5, Z/2, G/6) are what readers confuse; substituting one for
another costs LOOKALIKE_COST instead of 1. The folded key maps each look-alike group onto one character,
so two plates whose only differences are look-alike substitutions share a folded key, and the plain edit
distance between folded keys never exceeds the weighted distance between the texts (which is what makes
the history's deletion-neighbourhood index over folded keys complete).
"""

from __future__ import annotations

LOOKALIKE_GROUPS: tuple[str, ...] = ("0ODQ", "1I", "8B", "5S", "2Z", "6G")
LOOKALIKE_COST = 0.5

_FOLD = {ch: group[0] for group in LOOKALIKE_GROUPS for ch in group}


def normalise(text: str) -> str:
    """Upper-case ASCII letters and digits only: "b 1234-cd" -> "B1234CD"."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def fold(text: str) -> str:
    """The look-alike-folded key of a plate: "BO12" and "8012" both give "8012"."""
    return "".join(_FOLD.get(ch, ch) for ch in normalise(text))


def substitution_cost(a: str, b: str) -> float:
    """0 for equal characters, LOOKALIKE_COST for look-alikes, 1 otherwise."""
    if a == b:
        return 0.0
    return LOOKALIKE_COST if _FOLD.get(a, a) == _FOLD.get(b, b) else 1.0


def weighted_distance(a: str, b: str, limit: float | None = None) -> float:
    """Edit distance where look-alike substitutions cost less; stops early once every path exceeds limit."""
    if len(a) < len(b):
        a, b = b, a
    if limit is not None and len(a) - len(b) > limit:
        return float(len(a) - len(b))  # every alignment inserts at least the length difference
    previous = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, start=1):
        current = [float(i)]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1.0, current[j - 1] + 1.0,
                               previous[j - 1] + substitution_cost(ca, cb)))
        if limit is not None and min(current) > limit:
            return min(current)
        previous = current
    return previous[-1]


def plate_distance(a: str, b: str, limit: float | None = None) -> float:
    """The look-alike-aware distance between two plate texts as read (normalised first)."""
    return weighted_distance(normalise(a), normalise(b), limit)


def same_plate(a: str, b: str, max_distance: float) -> bool:
    """Whether two reads are one plate: both non-empty and within `max_distance` of each other."""
    na, nb = normalise(a), normalise(b)
    return bool(na) and bool(nb) and weighted_distance(na, nb, limit=max_distance) <= max_distance
