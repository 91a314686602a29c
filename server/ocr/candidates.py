"""Alternative readings from a line's runner-up characters at its least certain positions."""

from __future__ import annotations

from itertools import combinations

from server.domain import Candidate
from server.ocr.ppocr_rec import RecText


def line_confidence(probs: list[float]) -> float:
    """Confidence of a whole line: the mean character probability (0 when empty)."""
    return sum(probs) / len(probs) if probs else 0.0


def alternatives(
    line: RecText, *, max_candidates: int = 5, max_positions: int = 3, below: float = 0.9
) -> tuple[Candidate, ...]:
    """The read itself plus variants that swap in runner-up characters, best first."""
    chars = line.chars
    base = [c.prob for c in chars]
    unsure = sorted(
        (i for i, c in enumerate(chars) if c.prob < below and c.alt),
        key=lambda i: chars[i].prob,
    )[:max_positions]
    found: dict[str, float] = {line.text: line_confidence(base)}
    for k in range(1, len(unsure) + 1):
        for subset in combinations(unsure, k):
            text = list(line.text)
            probs = list(base)
            for i in subset:
                text[i] = chars[i].alt
                probs[i] = chars[i].alt_prob
            found.setdefault("".join(text), line_confidence(probs))
    ranked = sorted(found.items(), key=lambda kv: kv[1], reverse=True)
    main = [(line.text, found[line.text])]
    rest = [kv for kv in ranked if kv[0] != line.text]
    return tuple(Candidate(t, round(c, 4)) for t, c in (main + rest)[:max_candidates])
