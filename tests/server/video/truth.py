"""Comparing reported plates with a generated video's truth (spaces ignored, O/0 and I/1 folded)."""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^0-9A-Z]")


def fold(text: str) -> str:
    """Text as compared: alphanumerics only, O as 0, I as 1."""
    return _NON_ALNUM.sub("", text.upper()).replace("O", "0").replace("I", "1")
