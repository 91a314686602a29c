"""Whether a read is a valid plate: the Indonesian grammar, or one of a configured list of foreign formats.

Pure functions on text; no model, no I/O. The Indonesian grammar (docs INDONESIA.md): an official
region code (server.plates.regions), a 1-4 digit number without a leading zero, a 0-3 letter suffix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from server.plates.regions import REGIONS

_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_INDONESIAN = re.compile(r"^([A-Z]{1,2})([1-9][0-9]{0,3})([A-Z]{0,3})$")

# Foreign formats accepted by default, on the compact text (uppercase, letters and digits only).
DEFAULT_FOREIGN_PATTERNS: tuple[str, ...] = (
    # Brazil: old LLL DDDD and Mercosur LLL D L DD.
    r"^[A-Z]{3}[0-9][A-Z0-9][0-9]{2}$",
    # Most US states and European countries: 4-8 characters mixing letters and digits.
    r"^(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{4,8}$",
    # All-digit plates of 4-7 digits (some US states, older European series).
    r"^[0-9]{4,7}$",
)


def compact(text: str) -> str:
    """Uppercase letters and digits only ("B 1234 CD" -> "B1234CD")."""
    return _NON_ALNUM.sub("", text.upper())


def is_indonesian_plate(text: str) -> bool:
    """The text is an Indonesian plate: official region code, 1-4 digits (no leading 0), 0-3 letters."""
    match = _INDONESIAN.match(compact(text))
    return bool(match) and match.group(1) in REGIONS  # type: ignore[union-attr]


@dataclass(frozen=True)
class PlateFormats:
    """The foreign formats (regular expressions on the compact text) a read may match instead."""

    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def from_patterns(cls, patterns: Sequence[str] = DEFAULT_FOREIGN_PATTERNS) -> PlateFormats:
        """Compile the patterns; ValueError names the first one that is not a regular expression."""
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from exc
        return cls(tuple(compiled))

    def is_foreign_plate(self, text: str) -> bool:
        """The compact text matches one of the foreign formats."""
        value = compact(text)
        return bool(value) and any(p.fullmatch(value) for p in self.patterns)

    def plate_valid(self, text: str) -> bool:
        """A valid plate of a known format: Indonesian, or one of the foreign formats."""
        return is_indonesian_plate(text) or self.is_foreign_plate(text)


DEFAULT_FORMATS = PlateFormats.from_patterns()
