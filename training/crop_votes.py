"""Reading one plate crop several times, cut a little differently, and voting per character (measured, not served).

The recognizer is sensitive to where the crop's edges fall: on the held-out split each single
re-cut reads worse than the detector's crop, yet the vote of five cuts reads better than any of
them (training/choose_threshold.py `--variants`). The vote also measures agreement, which a single
read's probabilities do not: a character that only some cuts read gets a low confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

import cv2
import numpy as np

from server.domain import CharConfidence, Image, OcrRead

Cut = Callable[[Image], Image]


def _trim(fy: float, fx: float) -> Cut:
    def cut(image: Image) -> Image:
        h, w = image.shape[:2]
        dy, dx = int(h * fy), int(w * fx)
        if h - 2 * dy < 8 or w - 2 * dx < 8:
            return image
        return np.ascontiguousarray(image[dy : h - dy, dx : w - dx])

    return cut


def _pad(fy: float, fx: float) -> Cut:
    def cut(image: Image) -> Image:
        h, w = image.shape[:2]
        dy, dx = max(1, int(h * fy)), max(1, int(w * fx))
        return np.asarray(cv2.copyMakeBorder(image, dy, dy, dx, dx, cv2.BORDER_REPLICATE), dtype=image.dtype)

    return cut


# The crop as given, then trimmed and padded by a little (1/12 of the height, 1/30 of the width) and by
# more (1/8 and 1/20 trimmed, 1/6 and 1/15 padded): the margins a plate detector's box varies by.
CUTS: tuple[Cut, ...] = (lambda image: image, _trim(1 / 12, 1 / 30), _pad(1 / 12, 1 / 30),
                         _trim(1 / 8, 1 / 20), _pad(1 / 6, 1 / 15))
MAX_VARIANTS = len(CUTS)


def crop_variants(crop: Image, count: int) -> list[Image]:
    """The crop and count - 1 re-cuts of it (count from 1 to MAX_VARIANTS)."""
    if not 1 <= count <= MAX_VARIANTS:
        raise ValueError(f"crop variants must be 1-{MAX_VARIANTS}, got {count}")
    return [cut(crop) for cut in CUTS[:count]]


def vote_reads(reads: Sequence[OcrRead]) -> OcrRead:
    """One read from several reads of one plate: the length most confidence stands behind, then per
    position the character with the largest summed probability. A character's confidence is that sum
    over all reads (a read of another length adds nothing), the read's confidence the least of them.
    The date row is the one with most confidence behind it; the first read supplies everything else."""
    first = reads[0]
    if len(reads) == 1:
        return first
    by_length: dict[int, float] = defaultdict(float)
    for read in reads:
        if read.text and len(read.chars) == len(read.text):
            by_length[len(read.text)] += read.confidence
    dates: dict[str, float] = defaultdict(float)
    for read in reads:
        dates[read.date_text] += read.confidence
    date = max(dates.items(), key=lambda kv: (kv[1], kv[0]))[0] if dates else first.date_text
    if not by_length:
        return replace(first, date_text=date)
    length = max(by_length.items(), key=lambda kv: (kv[1], kv[0]))[0]
    same = [read for read in reads if len(read.text) == length and len(read.chars) == length]
    chars: list[CharConfidence] = []
    for i in range(length):
        at: dict[str, float] = defaultdict(float)
        for read in same:
            at[read.chars[i].char] += read.chars[i].confidence
        char, total = max(at.items(), key=lambda kv: (kv[1], kv[0]))
        chars.append(CharConfidence(char, round(total / len(reads), 4)))
    text = "".join(c.char for c in chars)
    candidates = first.candidates if text == first.text else ()
    return replace(first, text=text, confidence=min(c.confidence for c in chars), chars=tuple(chars),
                   candidates=candidates, date_text=date)
