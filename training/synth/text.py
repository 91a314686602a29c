"""Random plate texts: Indonesian "B 1234 CD" + "MM.YY" validity dates, and US-style single rows."""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.plates.regions import REGIONS

LETTERS = string.ascii_uppercase
DIGITS = string.digits
REGION_CODES: tuple[str, ...] = tuple(sorted(REGIONS))
# Digits in the number: 4 most often (cars 1-1999 and motorcycles 2000-6999 both use 4).
NUMBER_LENGTHS = (1, 2, 3, 4)
NUMBER_LENGTH_WEIGHTS = (0.05, 0.1, 0.17, 0.68)
SUFFIX_LENGTHS = (0, 1, 2, 3)
SUFFIX_LENGTH_WEIGHTS = (0.04, 0.2, 0.46, 0.3)
# Jakarta plates dominate the road; every other code is equally likely.
JAKARTA_WEIGHT = 6.0
# Look-alike characters the readers confuse (Q/O, N/H, W/M, G/C, B/8, 0/D, 2/4/6) are drawn more often.
CONFUSABLE_LETTERS = "QONHWMGCBDU"
CONFUSABLE_DIGITS = "08246"
CONFUSABLE_WEIGHT = 2.5


def _weights(pool: str, favoured: str) -> npt.NDArray[np.float64]:
    w = np.array([CONFUSABLE_WEIGHT if c in favoured else 1.0 for c in pool], np.float64)
    return np.asarray(w / w.sum(), np.float64)


LETTER_P = _weights(LETTERS, CONFUSABLE_LETTERS)
DIGIT_P = _weights(DIGITS, CONFUSABLE_DIGITS)


@dataclass(frozen=True)
class PlateText:
    """The groups printed on one plate: `groups` on the main row, `date` ("MMYY" or "") below."""

    groups: tuple[str, ...]
    date: str

    @property
    def label(self) -> str:
        """The main row without spaces, as the recognizer must read it."""
        return "".join(self.groups)


def _choice(rng: np.random.Generator, items: tuple[int, ...], weights: tuple[float, ...]) -> int:
    p = np.asarray(weights, dtype=np.float64)
    return int(items[int(rng.choice(len(items), p=p / p.sum()))])


def random_region(rng: np.random.Generator) -> str:
    """A real region code (server.plates.regions), Jakarta's "B" weighted up."""
    weights = np.array([JAKARTA_WEIGHT if c == "B" else 1.0 for c in REGION_CODES])
    return REGION_CODES[int(rng.choice(len(REGION_CODES), p=weights / weights.sum()))]


def random_date(rng: np.random.Generator) -> str:
    """A validity date "MMYY": month 01-12, year 15-35."""
    return f"{int(rng.integers(1, 13)):02d}{int(rng.integers(15, 36)):02d}"


def indonesian_text(rng: np.random.Generator) -> PlateText:
    """A random Indonesian plate: real region code, 1-4 digit number (no leading 0), 0-3 letter suffix."""
    region = random_region(rng)
    n = _choice(rng, NUMBER_LENGTHS, NUMBER_LENGTH_WEIGHTS)
    number = str(int(rng.integers(1, 10))) + "".join(DIGITS[int(d)] for d in rng.choice(10, n - 1, p=DIGIT_P))
    s = _choice(rng, SUFFIX_LENGTHS, SUFFIX_LENGTH_WEIGHTS)
    suffix = "".join(LETTERS[int(i)] for i in rng.choice(26, s, p=LETTER_P))
    groups = tuple(g for g in (region, number, suffix) if g)
    return PlateText(groups, random_date(rng))


US_PATTERNS = ("LLLDDDD", "DLLLDDD", "LLLDDD", "DDDLLL", "LLDDDDD", "DDDDLL", "LLDLLLL", "DLDDDDL", "XXXXXX", "XXXXX")


def us_text(rng: np.random.Generator) -> PlateText:
    """A US-style single-row text (no date): L letter, D digit, X either; split into 1-2 groups."""
    pattern = US_PATTERNS[int(rng.integers(len(US_PATTERNS)))]
    chars = []
    for p in pattern:
        pool = LETTERS if p == "L" else DIGITS if p == "D" else LETTERS + DIGITS
        chars.append(pool[int(rng.integers(len(pool)))])
    text = "".join(chars)
    if rng.random() < 0.6:
        cut = int(rng.integers(2, len(text) - 1))
        return PlateText((text[:cut], text[cut:]), "")
    return PlateText((text,), "")


def random_word(rng: np.random.Generator, low: int = 4, high: int = 10) -> str:
    """Clutter text for US-style plates (state names, slogans): random capitals."""
    return "".join(LETTERS[int(i)] for i in rng.integers(0, 26, int(rng.integers(low, high + 1))))


# EU-style rows (letters L, digits D, either X), e.g. Romania "B 123 ABC", Germany "M AB 1234", UK "AB12 CDE".
EU_PATTERNS = (("L", "DDD", "LLL"), ("LL", "DD", "LLL"), ("LLL", "LL", "DDDD"), ("L", "LL", "DDD"),
               ("LLDD", "LLL"), ("LL", "DDD", "LL"), ("DDDD", "LLL"), ("LLL", "DDD"))
# Mercosur (Brazil since 2018): LLL D L DD, printed without spaces; older Brazilian grey plates LLL-DDDD.
MERCOSUR_PATTERNS = (("LLLDLDD",), ("LLL", "DDDD"))


def _fill(pattern: str, rng: np.random.Generator) -> str:
    return "".join(
        (LETTERS if p == "L" else DIGITS if p == "D" else LETTERS + DIGITS)[
            int(rng.integers(26 if p == "L" else 10 if p == "D" else 36))
        ]
        for p in pattern
    )


def eu_text(rng: np.random.Generator) -> PlateText:
    """An EU-style text (no date): 2-3 groups of letters and digits."""
    pattern = EU_PATTERNS[int(rng.integers(len(EU_PATTERNS)))]
    return PlateText(tuple(_fill(p, rng) for p in pattern), "")


def mercosur_text(rng: np.random.Generator) -> PlateText:
    """A Mercosur (or older Brazilian) text, no date."""
    pattern = MERCOSUR_PATTERNS[int(rng.integers(len(MERCOSUR_PATTERNS)))]
    return PlateText(tuple(_fill(p, rng) for p in pattern), "")
