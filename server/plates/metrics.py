"""Plate-reading metrics shared by the evaluation scripts: exact match, CER, latency percentiles."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.plates.identity import normalise


def comparable(text: str) -> str:
    """Text as the evaluation compares it ("lenient exact"): the plate identity's normal form, O as 0."""
    return normalise(text).replace("O", "0")


def is_exact(predicted: str, truth: str) -> bool:
    """True when the two texts agree once spaces/punctuation are ignored and O equals 0."""
    return comparable(predicted) == comparable(truth)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def confusions(predicted: str, truth: str) -> list[tuple[str, str]]:
    """The character errors of one read as (truth, read) pairs along a minimal edit alignment.

    Texts are compared in their comparable form (so O/0 never counts); a dropped character reads
    as "" and an extra one has "" as its truth. Right reads give [].
    """
    p, t = comparable(predicted), comparable(truth)
    rows = [[0] * (len(p) + 1) for _ in range(len(t) + 1)]
    for i in range(len(t) + 1):
        for j in range(len(p) + 1):
            if i == 0 or j == 0:
                rows[i][j] = i + j
            else:
                rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (t[i - 1] != p[j - 1]))
    pairs: list[tuple[str, str]] = []
    i, j = len(t), len(p)
    while i or j:
        if i and j and rows[i][j] == rows[i - 1][j - 1] + (t[i - 1] != p[j - 1]):
            if t[i - 1] != p[j - 1]:
                pairs.append((t[i - 1], p[j - 1]))
            i, j = i - 1, j - 1
        elif i and rows[i][j] == rows[i - 1][j] + 1:
            pairs.append((t[i - 1], ""))
            i -= 1
        else:
            pairs.append(("", p[j - 1]))
            j -= 1
    return pairs[::-1]


def char_error_rate(pairs: Iterable[tuple[str, str]]) -> float:
    """Total edit distance over total truth length, for (predicted, truth) pairs (comparable form)."""
    errors = 0
    total = 0
    for predicted, truth in pairs:
        p, t = comparable(predicted), comparable(truth)
        errors += edit_distance(p, t)
        total += len(t)
    return errors / total if total else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class ReadingScore:
    """Aggregate score of a set of plate readings."""

    count: int
    exact_match: float
    cer: float
    latency_p50_ms: float
    latency_p95_ms: float


def score(predicted: Sequence[str], truth: Sequence[str], latencies_ms: Sequence[float]) -> ReadingScore:
    """Exact-match rate, character error rate and latency percentiles of one set."""
    pairs = list(zip(predicted, truth, strict=True))
    exact = sum(is_exact(p, t) for p, t in pairs)
    return ReadingScore(
        count=len(pairs),
        exact_match=exact / len(pairs) if pairs else 0.0,
        cer=char_error_rate(pairs),
        latency_p50_ms=percentile(latencies_ms, 50),
        latency_p95_ms=percentile(latencies_ms, 95),
    )
