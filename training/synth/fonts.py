"""Plate-like fonts from Debian packages, and cached glyph masks rendered from them.

Install them with `apt-get install fonts-opendin fonts-roboto-unhinted fonts-bebas-neue fonts-dejavu-core`.
Indonesian plates use a DIN-like condensed face, so OSP-DIN is drawn most often.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

Mask = npt.NDArray[np.uint8]

GLYPH_HEIGHT = 96  # glyph masks are rendered at this cap height, then resized per plate

# (path, weight, debian package): the first existing ones are used.
FONT_CANDIDATES: tuple[tuple[str, float, str], ...] = (
    ("/usr/share/fonts/truetype/opendin/OSP-DIN.ttf", 4.0, "fonts-opendin"),
    ("/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf", 1.5, "fonts-roboto-unhinted"),
    ("/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Medium.ttf", 1.0, "fonts-roboto-unhinted"),
    ("/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf", 1.0, "fonts-bebas-neue"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf", 1.0, "fonts-dejavu-core"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0.5, "fonts-dejavu-core"),
)


@dataclass(frozen=True)
class FontSet:
    """The fonts found on this machine with their sampling probabilities."""

    paths: tuple[str, ...]
    probabilities: tuple[float, ...]

    def fingerprint(self) -> str:
        """sha256 over the font files' names and bytes (part of the training data hash)."""
        digest = hashlib.sha256()
        for path in self.paths:
            digest.update(Path(path).name.encode())
            digest.update(Path(path).read_bytes())
        return digest.hexdigest()


@lru_cache(maxsize=1)
def available_fonts() -> FontSet:
    """The candidate fonts present here; raises with the apt command when none is."""
    found = [(p, w) for p, w, _ in FONT_CANDIDATES if Path(p).is_file()]
    if not found:
        packages = sorted({pkg for _, _, pkg in FONT_CANDIDATES})
        raise FileNotFoundError(f"no plate font found: apt-get install {' '.join(packages)}")
    total = sum(w for _, w in found)
    return FontSet(tuple(p for p, _ in found), tuple(w / total for _, w in found))


@lru_cache(maxsize=4096)
def glyph(font_path: str, char: str) -> Mask:
    """Mask (0-255) of one character cropped to its ink, scaled so that capitals are GLYPH_HEIGHT tall."""
    font = ImageFont.truetype(font_path, size=GLYPH_HEIGHT * 2)
    canvas = Image.new("L", (GLYPH_HEIGHT * 3, GLYPH_HEIGHT * 3), 0)
    ImageDraw.Draw(canvas).text((GLYPH_HEIGHT // 2, GLYPH_HEIGHT // 4), char, fill=255, font=font)
    ink = np.asarray(canvas, dtype=np.uint8)
    ref = _cap_height(font_path)
    ys, xs = np.nonzero(ink > 0)
    if len(xs) == 0:
        return np.zeros((GLYPH_HEIGHT, GLYPH_HEIGHT // 3), dtype=np.uint8)
    cropped = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = GLYPH_HEIGHT / ref
    h = max(1, round(cropped.shape[0] * scale))
    w = max(1, round(cropped.shape[1] * scale))
    return np.asarray(Image.fromarray(cropped).resize((w, h), Image.Resampling.BILINEAR), dtype=np.uint8)


@lru_cache(maxsize=64)
def _cap_height(font_path: str) -> int:
    """Ink height of "H" at the rendering size (all glyphs of a font share this scale)."""
    font = ImageFont.truetype(font_path, size=GLYPH_HEIGHT * 2)
    _, top, _, bottom = font.getbbox("H")
    return max(1, int(bottom - top))
