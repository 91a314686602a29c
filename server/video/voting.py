"""Weighted votes over a track's reads: the plate text, per character where lengths agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from server.domain import PlateReading

# A plate this many pixels high (or more) gets the full size weight (larger views read better).
FULL_WEIGHT_HEIGHT_PX = 60.0
# Laplacian variance at which a crop counts as fully sharp.
FULL_WEIGHT_SHARPNESS = 150.0
# A read that breaks the plate format counts this much of a valid one.
INVALID_FORMAT_WEIGHT = 0.35
# Reads shorter than this are fragments (one character of a half-hidden plate, a sticker), never a
# plate's text: repeated, their weights would add up to a "read" that no frame made of a whole plate,
# and two vehicles that both showed the same fragment looked like one vehicle seen twice.
MIN_TEXT_CHARS = 3


def read_weight(confidence: float, plate_height_px: float, sharpness: float, valid_format: bool) -> float:
    """One read's vote: its confidence x plate size x sharpness x format validity (each 0..1)."""
    size = min(1.0, max(0.15, plate_height_px / FULL_WEIGHT_HEIGHT_PX))
    sharp = min(1.0, max(0.3, sharpness / FULL_WEIGHT_SHARPNESS))
    fmt = 1.0 if valid_format else INVALID_FORMAT_WEIGHT
    return max(0.0, confidence) * size * sharp * fmt


@dataclass(frozen=True)
class Vote:
    """One frame's read of a track's plate and its weight."""

    text: str
    weight: float
    reading: PlateReading
    second: bool = False  # another reader's read of a crop already counted (not a frame of its own)


@dataclass(frozen=True)
class Tally:
    """The vote's outcome: the chosen text, its support and every candidate with its share."""

    text: str
    share: float  # share of the vote weight behind `text` (per character: the weakest position's share)
    weight: float  # vote weight behind `text`
    agreeing: int  # reads exactly equal to `text`
    votes: int
    candidates: tuple[tuple[str, float], ...]  # (text, share of the weight), best first


EMPTY_TALLY = Tally("", 0.0, 0.0, 0, 0, ())


class PlateVotes:
    """The reads of one track and their weighted vote."""

    def __init__(self) -> None:
        self.votes: list[Vote] = []

    def add(self, vote: Vote) -> None:
        """Count one more read (empty texts and fragments under MIN_TEXT_CHARS are not votes)."""
        if len(vote.text) >= MIN_TEXT_CHARS and vote.weight > 0:
            self.votes.append(vote)

    def tally(self) -> Tally:
        """Whole-text shares, then per-character voting over the reads of the leading length."""
        if not self.votes:
            return EMPTY_TALLY
        total = sum(v.weight for v in self.votes)
        by_text: dict[str, float] = defaultdict(float)
        by_length: dict[int, float] = defaultdict(float)
        for v in self.votes:
            by_text[v.text] += v.weight
            by_length[len(v.text)] += v.weight
        candidates = tuple(sorted(((t, w / total) for t, w in by_text.items()), key=lambda c: (-c[1], c[0])))
        length = max(by_length.items(), key=lambda kv: (kv[1], -abs(kv[0] - 8)))[0]
        same_length = [v for v in self.votes if len(v.text) == length]
        chars: list[str] = []
        weakest = 1.0
        for i in range(length):
            at: dict[str, float] = defaultdict(float)
            for v in same_length:
                at[v.text[i]] += v.weight
            char, weight = max(at.items(), key=lambda kv: (kv[1], kv[0]))
            chars.append(char)
            weakest = min(weakest, weight / total)
        text = "".join(chars)
        if text not in by_text:  # a combination no single frame read: only when it beats every whole read
            best_text, best_weight = max(by_text.items(), key=lambda kv: kv[1])
            if weakest * total <= best_weight:
                text, weakest = best_text, best_weight / total
        agreeing = sum(1 for v in self.votes if v.text == text and not v.second)
        frames = sum(1 for v in self.votes if not v.second)
        return Tally(text, weakest, by_text.get(text, weakest * total), agreeing, frames, candidates)

    def best_vote(self, text: str) -> Vote | None:
        """The heaviest read of exactly `text` (None when no frame read it whole)."""
        matching = [v for v in self.votes if v.text == text]
        return max(matching, key=lambda v: v.weight) if matching else None
