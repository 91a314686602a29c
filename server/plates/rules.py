"""Indonesian plate rules: parse "B 1234 CD", correct confusable characters by position.

A read that does not fit the Indonesian layout is kept as read (normalised), never forced into it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from server.plates.identity import normalise
from server.plates.regions import is_known, jakarta_area, lookup

TO_DIGIT = {"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2", "G": "6", "D": "0", "Q": "0", "A": "4"}
TO_LETTER = {"0": "O", "1": "I", "8": "B", "5": "S", "2": "Z", "6": "G", "4": "A"}

MAX_CORRECTIONS = 2
# A character read at least this surely is only corrected when the layout leaves no other choice.
SURE = 0.9
# An end character read less surely than this may be dropped as border noise.
TRIM_BELOW = 0.8
_DATE_DIGITS = re.compile(r"^(\d{2})\D?(\d{2})$")


@dataclass(frozen=True)
class ParsedPlate:
    """An Indonesian plate number split into its parts."""

    region: str
    number: str
    suffix: str
    corrections: int = 0

    @property
    def formatted(self) -> str:
        """The printed form, "B 1234 CD" (or "B 1234" without suffix)."""
        return " ".join(p for p in (self.region, self.number, self.suffix) if p)

    @property
    def compact(self) -> str:
        """The parts joined without spaces."""
        return f"{self.region}{self.number}{self.suffix}"


def _fix(char: str, want_digit: bool) -> str | None:
    if char.isdigit() == want_digit:
        return char
    return (TO_DIGIT if want_digit else TO_LETTER).get(char)


def _split_cost(
    text: str,
    region_len: int,
    number_len: int,
    probs: Sequence[float],
    alts: Sequence[str],
) -> tuple[float, int, str] | None:
    """(cost, corrections, corrected text) for one split, or None when it cannot fit."""
    out: list[str] = []
    cost = 0.0
    corrections = 0
    for i, char in enumerate(text):
        want_digit = region_len <= i < region_len + number_len
        if char.isdigit() == want_digit:
            out.append(char)
            continue
        alt = alts[i] if i < len(alts) else ""
        if alt and alt.isdigit() == want_digit:
            out.append(alt)
            cost += 0.5 * probs[i]
        else:
            fixed = _fix(char, want_digit)
            if fixed is None:
                return None
            out.append(fixed)
            cost += 1.0 + probs[i]
        corrections += 1
    return cost, corrections, "".join(out)


def _leading_digits(text: str) -> int:
    return len(text) - len(text.lstrip("0123456789"))


def parse_indonesian(
    text: str,
    probs: Sequence[float] = (),
    alts: Sequence[str] = (),
    max_corrections: int = MAX_CORRECTIONS,
) -> ParsedPlate | None:
    """The best Indonesian reading of `text` (normalised), or None when none is plausible.

    `probs` are per-character confidences (1.0 when unknown) and `alts` the reader's
    runner-up characters ("" when none). Letters are expected in the region code and the
    suffix, digits in the number; a confusable character is corrected only where the split
    leaves no doubt, at most `max_corrections` times, and the region code must exist.
    """
    text = normalise(text)
    p = list(probs) if len(probs) == len(text) else [1.0] * len(text)
    best: tuple[float, int, ParsedPlate] | None = None
    for region_len in (1, 2):
        for number_len in range(1, 5):
            suffix_len = len(text) - region_len - number_len
            if not 0 <= suffix_len <= 3:
                continue
            fitted = _split_cost(text, region_len, number_len, p, alts)
            if fitted is None:
                continue
            cost, corrections, fixed = fitted
            region = fixed[:region_len]
            if not is_known(region):
                swapped = _region_from_alts(fixed, region_len, alts)
                if swapped is None:
                    continue
                region, fixed = swapped, swapped + fixed[region_len:]
                cost += 0.5
                corrections += 1
            if corrections > max_corrections:
                continue
            if not _clearly_right(text, fixed, region_len, number_len, p, alts):
                continue
            parsed = ParsedPlate(
                region, fixed[region_len : region_len + number_len], fixed[region_len + number_len :], corrections
            )
            if best is None or (cost, -number_len) < (best[0], -len(best[2].number)):
                best = (cost, -number_len, parsed)
    return best[2] if best is not None else None


def _region_from_alts(fixed: str, region_len: int, alts: Sequence[str]) -> str | None:
    """A known region code made by swapping in one runner-up letter ("C" read for "G"), else None."""
    for i in range(region_len):
        alt = alts[i] if i < len(alts) else ""
        if alt.isalpha():
            region = fixed[:i] + alt + fixed[i + 1 : region_len]
            if is_known(region):
                return region
    return None


def _doubtful(i: int, want_digit: bool, probs: Sequence[float], alts: Sequence[str]) -> bool:
    alt = alts[i] if i < len(alts) else ""
    return probs[i] < SURE or (alt != "" and alt.isdigit() == want_digit)


def _boxed_in(text: str, i: int, region_len: int, number_len: int) -> bool:
    """Whether the position alone fixes the class: a number character between digits, or a
    suffix character after a suffix letter that follows a number of at least 3 digits."""
    start, end = region_len, region_len + number_len
    if start <= i < end:
        return any(c.isdigit() for c in text[start:i]) and any(c.isdigit() for c in text[i + 1 : end])
    return i >= end and number_len >= 3 and any(c.isalpha() for c in text[end:i])


def _clearly_right(
    text: str, fixed: str, region_len: int, number_len: int, probs: Sequence[float], alts: Sequence[str]
) -> bool:
    """Whether the corrections that turn `text` into `fixed` leave no reasonable doubt.

    Every corrected number or suffix character must be one the reader itself doubted; a digit
    read where the region code goes is corrected only when five digits in a row precede letters
    ("81234CD" can only be "B 1234 CD"). Most of the number must have been read as digits, so
    "BLOGGER" or "ASUKA" never become plates, and a read of digits only stays as read ("800002").
    """
    changed = [i for i, (a, b) in enumerate(zip(text, fixed, strict=True)) if a != b]
    if not changed:
        return True
    number = text[region_len : region_len + number_len]
    if 2 * sum(c.isdigit() for c in number) < len(number) or text.isdigit():
        return False
    # A digit where the region code goes is a letter only when the layout forces it, since
    # plates of other countries often start with digits.
    sure = [
        i
        for i in changed
        if (i < region_len and text[i].isdigit())
        or not (
            _doubtful(i, region_len <= i < region_len + number_len, probs, alts)
            or _boxed_in(text, i, region_len, number_len)
        )
    ]
    if not sure:
        return True
    structural = (
        sure == [0]
        and region_len == 1
        and _leading_digits(text) == number_len + 1 == 5
        and text[number_len + 1 :].isalpha()
        and len(text) > number_len + 1
    )
    return structural


def parse_date(text: str) -> str:
    """A validity date "MM.YY" / "MM-YY" / "MMYY" as "MM/YY" (month 01-12), else ""."""
    cleaned = "".join(TO_DIGIT.get(c, c) for c in text.upper().strip())
    match = _DATE_DIGITS.match(re.sub(r"[\s.\-/·:]+", ".", cleaned))
    if not match:
        return ""
    month, year = match.groups()
    return f"{month}/{year}" if 1 <= int(month) <= 12 else ""


@dataclass(frozen=True)
class PlateText:
    """The rules' verdict on one read."""

    plate_number: str
    raw_text: str
    is_indonesian: bool
    region_code: str = ""
    region_name: str = ""
    region_area: str = ""
    corrections: int = 0


def parse_trimmed(text: str, probs: Sequence[float] = (), alts: Sequence[str] = ()) -> ParsedPlate | None:
    """Like parse_indonesian, also trying without a doubtful first and/or last character.

    Plate borders, screws and stickers at the ends of the number row are read as extra
    characters ("B1095URXT"); each one dropped counts as a correction.
    """
    text = normalise(text)
    p = list(probs) if len(probs) == len(text) else [1.0] * len(text)
    a = list(alts) if len(alts) == len(text) else [""] * len(text)
    parsed = parse_indonesian(text, p, a)
    if parsed is not None or len(text) < 4:
        return parsed
    cuts = [(1, 0), (0, 1), (1, 1)]
    for head, tail in cuts:
        dropped = p[:head] + (p[-tail:] if tail else [])
        if any(prob >= TRIM_BELOW for prob in dropped):
            continue
        end = len(text) - tail
        found = parse_indonesian(text[head:end], p[head:end], a[head:end], MAX_CORRECTIONS - head - tail)
        if found is not None:
            return ParsedPlate(found.region, found.number, found.suffix, found.corrections + head + tail)
    return None


def interpret(text: str, probs: Sequence[float] = (), alts: Sequence[str] = ()) -> PlateText:
    """Plate number (formatted when Indonesian, else the normalised read) with its region."""
    raw = normalise(text)
    parsed = parse_trimmed(raw, probs, alts)
    if parsed is None:
        return PlateText(plate_number=raw, raw_text=raw, is_indonesian=False)
    region = lookup(parsed.region)
    return PlateText(
        plate_number=parsed.formatted,
        raw_text=raw,
        is_indonesian=True,
        region_code=parsed.region,
        region_name=region.name if region else "",
        region_area=jakarta_area(parsed.region, parsed.suffix),
        corrections=parsed.corrections,
    )
