"""Where to read on a plate crop: the number band and the date band, from detected rows.

A band is a rotated rectangle (it follows a tilted text line) cut out upright with one affine warp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from server.domain import Image
from server.ocr.rows import TextRow, main_row_index

# A row whose text is at most this fraction of the number row's height may be the date row.
DATE_MAX_RELATIVE_HEIGHT = 0.85
# "08.29" is about three text heights wide; a much wider row under the number is a slogan.
DATE_MAX_ASPECT = 5.0
# Where to look for an undetected date row: room needed under the number row, how deep to
# look and how wide (in number-row text heights and crop widths).
GUESS_MIN_ROOM = 0.35
GUESS_DEPTH = 0.7
GUESS_OVERLAP = 0.15  # detected boxes reach a little below the glyphs
GUESS_WIDTH = 0.5
# Padding around a band, as a fraction of the row's text height.
BAND_PADDING = 0.12


@dataclass(frozen=True)
class Band:
    """A rotated rectangle to read: centre, size along/across the text, angle in degrees."""

    cx: float
    cy: float
    width: float
    height: float
    angle: float = 0.0


@dataclass(frozen=True)
class PlateLayout:
    """The regions of a crop to recognise: the number row and, if any, the date row."""

    number: Band
    date: Band | None = None
    from_detector: bool = True
    date_guessed: bool = False  # no date row was detected: `date` is where one would be


def whole_crop(image: Image) -> PlateLayout:
    """The layout that reads the whole crop as one line."""
    h, w = image.shape[:2]
    return PlateLayout(Band(w / 2, h / 2, w, h), None, from_detector=False)


def _number_band(row: TextRow, width: int) -> Band:
    """The row's line across the crop's full width (detectors miss lone letters at the ends)."""
    angle = row.angle
    cx = width / 2
    return Band(
        cx,
        row.line_y(cx),
        width / max(0.5, math.cos(math.radians(angle))),
        row.height * (1 + 2 * BAND_PADDING),
        angle,
    )


def _row_band(row: TextRow) -> Band:
    """The row's own extent, padded."""
    pad = BAND_PADDING * row.height
    left, right = row.left - 2 * pad, row.right + 2 * pad
    cx = (left + right) / 2
    return Band(cx, row.line_y(cx), right - left, row.height + 2 * pad, row.angle)


def plate_layout(image: Image, rows: Sequence[TextRow]) -> PlateLayout:
    """Number band and date band (the first smaller row under the number row) of a crop."""
    h, w = image.shape[:2]
    main = main_row_index(rows)
    if main < 0:
        return whole_crop(image)
    row = rows[main]
    if main == 0 and row.top > 0.45 * h and row.height < 0.3 * h:
        # Only a small low row was found: the date row under an undetected number row.
        top = max(1.0, row.top)
        return PlateLayout(Band(w / 2, top / 2, w, top), _row_band(row))
    date: Band | None = None
    for below in rows[main + 1 :]:
        if (
            below.top >= row.centre_y
            and below.height <= DATE_MAX_RELATIVE_HEIGHT * row.height
            and below.right - below.left <= DATE_MAX_ASPECT * below.height
        ):
            date = _row_band(below)
            break
    if date is None and h - row.bottom >= GUESS_MIN_ROOM * row.height:
        # Detectors often miss the small, faint date row: look where it would be.
        top = row.bottom - GUESS_OVERLAP * row.height
        bottom = min(float(h), row.bottom + GUESS_DEPTH * row.height)
        cx = row.centre[0]
        guess = Band(cx, row.line_y(cx) + (top + bottom) / 2 - row.centre_y, w * GUESS_WIDTH, bottom - top, row.angle)
        return PlateLayout(_number_band(row, w), guess, date_guessed=True)
    return PlateLayout(_number_band(row, w), date)


def cut(image: Image, band: Band) -> Image:
    """The band's pixels, turned upright (edge pixels repeat where it leaves the image)."""
    bw = max(1, round(band.width))
    bh = max(1, round(band.height))
    if abs(band.angle) < 1.0:
        x1 = max(0, round(band.cx - band.width / 2))
        y1 = max(0, round(band.cy - band.height / 2))
        view = image[y1 : y1 + bh, x1 : x1 + bw]
        if view.size:
            return view
    matrix = cv2.getRotationMatrix2D((band.cx, band.cy), band.angle, 1.0)
    matrix[0, 2] += bw / 2 - band.cx
    matrix[1, 2] += bh / 2 - band.cy
    warped = cv2.warpAffine(image, matrix, (bw, bh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(warped, dtype=np.uint8)
