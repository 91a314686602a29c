"""Flat (front-facing, undistorted) plate images: colour schemes, rows of glyphs, borders, bolts."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from training.synth.fonts import GLYPH_HEIGHT, Mask, available_fonts, glyph
from training.synth.text import PlateText, random_word

BGR = tuple[int, int, int]
Canvas = npt.NDArray[np.uint8]

# (name, background BGR, text BGR, weight): Perpol 7/2021 colours, old black plates most common on the road.
SCHEMES: tuple[tuple[str, BGR, BGR, float], ...] = (
    ("black", (28, 28, 28), (235, 235, 235), 0.42),
    ("white", (238, 238, 238), (20, 20, 20), 0.30),
    ("yellow", (20, 200, 235), (20, 20, 20), 0.12),
    ("red", (40, 40, 200), (240, 240, 240), 0.08),
    ("green", (60, 150, 40), (20, 20, 20), 0.08),
)
EV_FRACTION = 0.04  # plates with the electric-vehicle blue mark
PLATE_HEIGHT = 80  # rendering height in pixels; degradations shrink it later


Points = tuple[tuple[float, float], ...]
Relief = tuple[int, int, BGR]  # dx, dy, colour of the embossed edge


@dataclass(frozen=True)
class FlatPlate:
    """A rendered plate, its labels and where each labelled character's centre lies on it."""

    image: Canvas
    label: str
    date: str
    scheme: str
    number_centres: Points
    date_centres: Points


@dataclass(frozen=True)
class Row:
    """A row of text as a mask at GLYPH_HEIGHT, with the x centre of each glyph in mask pixels."""

    mask: Mask
    centres: tuple[float, ...]


def _jitter(color: BGR, rng: np.random.Generator, spread: int) -> BGR:
    c = np.clip(np.asarray(color) + rng.integers(-spread, spread + 1, 3), 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]))


def _pick_scheme(rng: np.random.Generator) -> tuple[str, BGR, BGR]:
    weights = np.array([w for *_, w in SCHEMES])
    name, bg, fg, _ = SCHEMES[int(rng.choice(len(SCHEMES), p=weights / weights.sum()))]
    return name, _jitter(bg, rng, 25), _jitter(fg, rng, 20)


def _pick_font(rng: np.random.Generator) -> str:
    fonts = available_fonts()
    return fonts.paths[int(rng.choice(len(fonts.paths), p=np.asarray(fonts.probabilities)))]


def row_mask(
    groups: tuple[str, ...],
    font: str,
    rng: np.random.Generator,
    separator: str = "",
    tracking_range: tuple[float, float] = (0.04, 0.16),
    gap_range: tuple[float, float] = (0.25, 0.7),
) -> Row:
    """One row of text at GLYPH_HEIGHT: groups of glyphs, gaps between groups (or a separator dot)."""
    tracking = int(GLYPH_HEIGHT * rng.uniform(*tracking_range))
    gap = int(GLYPH_HEIGHT * rng.uniform(*gap_range))
    parts: list[Mask] = []
    centres: list[float] = []
    x = 0
    for g, group in enumerate(groups):
        if g:
            parts.append(_separator(separator, gap))
            x += gap
        for i, char in enumerate(group):
            if i:
                parts.append(np.zeros((GLYPH_HEIGHT, tracking), dtype=np.uint8))
                x += tracking
            ink = _fit_height(glyph(font, char))
            parts.append(ink)
            centres.append(x + ink.shape[1] / 2)
            x += ink.shape[1]
    return Row(np.hstack(parts), tuple(centres))


def _fit_height(mask: Mask) -> Mask:
    if mask.shape[0] == GLYPH_HEIGHT:
        return mask
    out = np.zeros((GLYPH_HEIGHT, mask.shape[1]), dtype=np.uint8)
    h = min(GLYPH_HEIGHT, mask.shape[0])
    out[GLYPH_HEIGHT - h :] = mask[:h]
    return out


def _separator(kind: str, gap: int) -> Mask:
    block = np.zeros((GLYPH_HEIGHT, gap), dtype=np.uint8)
    if kind in (".", "-"):
        size = max(6, GLYPH_HEIGHT // 7)
        cy = GLYPH_HEIGHT // 2
        x0 = max(0, gap // 2 - size // 2)
        if kind == ".":
            cv2.circle(block, (gap // 2, cy), size // 2 + 1, 255, -1)
        else:
            block[cy - size // 3 : cy + size // 3, x0 : x0 + size] = 255
    return block


def _paste(canvas: Canvas, mask: Mask, color: BGR, x: int, y: int, w: int, h: int) -> None:
    """Blend `color` into canvas through `mask` resized to w x h at (x, y), clipped to the canvas."""
    if w < 2 or h < 2:
        return
    m = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    H, W = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    m = m[y0 - y : y1 - y, x0 - x : x1 - x, None]
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (region * (1 - m) + np.asarray(color, np.float32) * m).astype(np.uint8)


def _thicken(row: Row, rng: np.random.Generator) -> Row:
    """Bolder or thinner strokes than the font draws."""
    k = int(rng.integers(-4, 7))
    if k == 0:
        return row
    kernel = np.ones((abs(k) + 1, abs(k) + 1), np.uint8)
    mask = cv2.dilate(row.mask, kernel) if k > 0 else cv2.erode(row.mask, kernel)
    return Row(np.asarray(mask, np.uint8), row.centres)


def _place_row(
    canvas: Canvas, row: Row, color: BGR, center_x: float, center_y: float, height: int, max_width: int,
    rng: np.random.Generator, stretch: tuple[float, float] = (0.8, 1.15), relief: Relief | None = None,
) -> Points:
    """Paint the row centred at (center_x, center_y); returns its glyph centres in canvas pixels.

    With `relief`, a shifted copy in the relief colour is painted first: the edge of embossed metal.
    """
    width = int(row.mask.shape[1] * height / GLYPH_HEIGHT * rng.uniform(*stretch))
    width = min(width, max_width)
    x, y = int(center_x - width / 2), int(center_y - height / 2)
    if relief is not None:
        dx, dy, shade = relief
        _paste(canvas, row.mask, shade, x + dx, y + dy, width, height)
    _paste(canvas, row.mask, color, x, y, width, height)
    scale = width / row.mask.shape[1]
    return tuple((x + c * scale, y + height / 2) for c in row.centres)


def _border(canvas: Canvas, color: BGR, rng: np.random.Generator) -> None:
    h, w = canvas.shape[:2]
    inset = int(h * rng.uniform(0.02, 0.07))
    thickness = max(1, int(h * rng.uniform(0.015, 0.04)))
    cv2.rectangle(canvas, (inset, inset), (w - 1 - inset, h - 1 - inset), color, thickness, cv2.LINE_AA)


def _relief(bg: BGR, fg: BGR, rng: np.random.Generator) -> Relief:
    """A 1-3 px offset edge, darker than the plate (or lighter on dark plates)."""
    base = np.asarray(bg, np.float32)
    shade = base * 0.45 if base.mean() > 100 else np.minimum(255, base + 0.5 * np.asarray(fg, np.float32))
    dx, dy = (int(v) for v in rng.integers(-3, 4, 2))
    return dx, dy, (int(shade[0]), int(shade[1]), int(shade[2]))


def _bolts(canvas: Canvas, rng: np.random.Generator) -> None:
    h, w = canvas.shape[:2]
    for _ in range(int(rng.integers(1, 3))):
        x = int(w * rng.choice([rng.uniform(0.15, 0.35), rng.uniform(0.65, 0.85)]))
        y = int(h * rng.uniform(0.08, 0.9))
        shade = int(rng.integers(80, 200))
        cv2.circle(canvas, (x, y), max(2, h // 22), (shade, shade, shade), -1, cv2.LINE_AA)


def indonesian_plate(text: PlateText, rng: np.random.Generator, motorcycle: bool) -> FlatPlate:
    """A front view of an Indonesian plate: number row on top, smaller "MM.YY" row below."""
    name, bg, fg = _pick_scheme(rng)
    aspect = rng.uniform(1.9, 2.6) if motorcycle else rng.uniform(2.7, 3.6)
    h = PLATE_HEIGHT
    w = int(h * aspect)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = bg
    font = _pick_font(rng)
    if rng.random() < 0.75:
        _border(canvas, fg, rng)
    has_date = bool(text.date) and rng.random() < 0.95
    relief = _relief(bg, fg, rng) if rng.random() < 0.4 else None
    number_h = int(h * rng.uniform(0.36, 0.58))
    number_cy = h * (rng.uniform(0.33, 0.44) if has_date else rng.uniform(0.42, 0.58))
    # Real number rows are airy: wide gaps between the groups, clear space between letters.
    number = _thicken(row_mask(text.groups, font, rng, tracking_range=(0.06, 0.25), gap_range=(0.35, 1.0)), rng)
    number_cx = w * rng.uniform(0.47, 0.53)
    max_w = int(w * rng.uniform(0.84, 0.93))
    number_centres = _place_row(canvas, number, fg, number_cx, number_cy, number_h, max_w, rng, (0.75, 1.3), relief)
    date = text.date if has_date else ""
    date_centres: Points = ()
    if date:
        sep = str(rng.choice([".", ".", "-", ""]))
        # Real date rows are spaced out: about a quarter to a third of the plate's width.
        date_row = row_mask((date[:2], date[2:]), font, rng, sep, tracking_range=(0.1, 0.35), gap_range=(0.4, 1.0))
        date_mask = _thicken(date_row, rng)
        date_h = int(h * rng.uniform(0.15, 0.24))
        date_cy = min(h * 0.9, number_cy + number_h / 2 + date_h * rng.uniform(0.7, 1.3))
        date_cx = w * (rng.uniform(0.45, 0.72) if motorcycle else rng.uniform(0.44, 0.56))
        date_centres = _place_row(
            canvas, date_mask, fg, date_cx, date_cy, date_h, int(w * 0.45), rng, (1.0, 1.5), relief
        )
        if rng.random() < 0.15:
            y = int(number_cy + number_h / 2 + 0.25 * (date_cy - date_h / 2 - number_cy - number_h / 2))
            cv2.line(canvas, (int(w * 0.05), y), (int(w * 0.95), y), fg, max(1, h // 60))
    if rng.random() < 0.3:
        _bolts(canvas, rng)
    if rng.random() < EV_FRACTION:
        ev_mark(canvas, rng)
    return FlatPlate(canvas, text.label, date, name, number_centres, date_centres)


def us_plate(text: PlateText, rng: np.random.Generator) -> FlatPlate:
    """A US-style plate: one large row, a state name above and a slogan below in other colours."""
    h = PLATE_HEIGHT
    w = int(h * rng.uniform(1.8, 2.3))
    top = np.array(_jitter((235, 235, 235), rng, 25), np.float32)
    bottom = np.array(_jitter((200, 215, 225), rng, 40), np.float32)
    ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    canvas = (top * (1 - ramp) + bottom * ramp).repeat(w, axis=1).astype(np.uint8)
    for _ in range(int(rng.integers(0, 4))):  # scenery blobs
        color = _jitter((int(rng.integers(60, 255)), int(rng.integers(60, 255)), int(rng.integers(60, 255))), rng, 0)
        center = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(10, w // 2)), int(rng.integers(5, h // 3)))
        cv2.ellipse(canvas, center, axes, float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA)
    ink = ((120, 40, 20), (30, 30, 160), (20, 20, 20), (40, 90, 30))[int(rng.integers(4))]
    fg = _jitter(ink, rng, 20)
    font = _pick_font(rng)
    number = _thicken(row_mask(text.groups, font, rng, separator=str(rng.choice(["", "", "-"]))), rng)
    number_centres = _place_row(canvas, number, fg, w * rng.uniform(0.46, 0.54), h * rng.uniform(0.46, 0.56),
                                int(h * rng.uniform(0.42, 0.58)), int(w * 0.92), rng)
    clutter = _jitter(((30, 30, 160), (120, 40, 20), (20, 20, 20))[int(rng.integers(3))], rng, 30)
    state = (rng.uniform(0.08, 0.15), rng.uniform(0.1, 0.17))
    slogan = (rng.uniform(0.86, 0.93), rng.uniform(0.07, 0.12))
    for cy, size in (state, slogan):
        if rng.random() < 0.8:
            word = row_mask((random_word(rng),), _pick_font(rng), rng)
            _place_row(canvas, word, clutter, w * rng.uniform(0.4, 0.6), h * cy, int(h * size), int(w * 0.8), rng)
    if rng.random() < 0.5:  # registration sticker
        x, y = int(rng.uniform(0.02, 0.8) * w), int(rng.choice([0.03, 0.75]) * h)
        color = _jitter((int(rng.integers(0, 255)), int(rng.integers(0, 255)), int(rng.integers(0, 255))), rng, 0)
        cv2.rectangle(canvas, (x, y), (x + w // 9, y + h // 6), color, -1)
    if rng.random() < 0.6:
        _border(canvas, fg, rng)
    return FlatPlate(canvas, text.label, "", "us", number_centres, ())


EU_COUNTRIES = ("RO", "D", "F", "I", "NL", "PL", "CZ", "E", "B", "A", "H", "BG")


def eu_plate(text: PlateText, rng: np.random.Generator) -> FlatPlate:
    """An EU-style plate: long and narrow (about 4.7:1), a blue strip with a country code on the left."""
    h = PLATE_HEIGHT
    w = int(h * rng.uniform(4.0, 4.9))
    bg = _jitter((235, 235, 235) if rng.random() < 0.85 else (30, 200, 240), rng, 20)  # white, or yellow rear
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = bg
    strip = int(h * rng.uniform(0.4, 0.5))
    canvas[:, :strip] = _jitter((150, 60, 20), rng, 20)
    country = EU_COUNTRIES[int(rng.integers(len(EU_COUNTRIES)))]
    _place_row(canvas, row_mask((country,), _pick_font(rng), rng), (240, 240, 240), strip / 2, h * 0.75,
               int(h * 0.22), int(strip * 0.9), rng)
    cv2.circle(canvas, (strip // 2, int(h * 0.3)), max(2, int(h * 0.16)), _jitter((40, 200, 230), rng, 20), 1)
    fg = _jitter((20, 20, 20), rng, 15)
    font = _pick_font(rng)
    number = _thicken(row_mask(text.groups, font, rng, separator=str(rng.choice(["", "", "-"]))), rng)
    centres = _place_row(canvas, number, fg, strip + (w - strip) * rng.uniform(0.47, 0.53), h * rng.uniform(0.46, 0.54),
                         int(h * rng.uniform(0.62, 0.75)), int((w - strip) * 0.94), rng)
    if rng.random() < 0.8:
        _border(canvas, fg, rng)
    return FlatPlate(canvas, text.label, "", "eu", centres, ())


def mercosur_plate(text: PlateText, rng: np.random.Generator) -> FlatPlate:
    """A Mercosur plate: white, a blue band along the top with small lettering, one large black row."""
    h = PLATE_HEIGHT
    w = int(h * rng.uniform(2.9, 3.3))
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = _jitter((238, 238, 238), rng, 15)
    band = int(h * rng.uniform(0.2, 0.26))
    canvas[:band] = _jitter((160, 70, 20), rng, 20)
    _place_row(canvas, row_mask(("BRASIL",), _pick_font(rng), rng), (240, 240, 240), w / 2, band / 2,
               int(band * 0.6), int(w * 0.4), rng)
    fg = _jitter((20, 20, 20), rng, 15)
    number = _thicken(row_mask(text.groups, _pick_font(rng), rng, separator="-"), rng)
    centres = _place_row(canvas, number, fg, w * rng.uniform(0.47, 0.53), band + (h - band) * rng.uniform(0.47, 0.55),
                         int((h - band) * rng.uniform(0.58, 0.72)), int(w * 0.92), rng)
    _border(canvas, fg, rng)
    return FlatPlate(canvas, text.label, "", "mercosur", centres, ())


def ev_mark(canvas: Canvas, rng: np.random.Generator) -> None:
    """The electric-vehicle mark (Perpol 7/2021 art. 45(2)): a blue strip along one edge of the plate."""
    h, w = canvas.shape[:2]
    blue = _jitter((170, 90, 20), rng, 25)
    if rng.random() < 0.6:
        canvas[int(h * rng.uniform(0.86, 0.92)) :, :] = blue
    else:
        canvas[:, : int(w * rng.uniform(0.05, 0.09))] = blue


def holder_frame(plate: FlatPlate, rng: np.random.Generator) -> FlatPlate:
    """The plate in a dealer's holder: a rim above and below, often with small dealer text (not part of the label)."""
    h, w = plate.image.shape[:2]
    top, bottom = (int(h * rng.uniform(0.05, 0.22)) for _ in range(2))
    side = int(h * rng.uniform(0.02, 0.1))
    shade = int(rng.choice([int(rng.integers(10, 60)), int(rng.integers(150, 230))]))
    rim = _jitter((shade, shade, shade), rng, 15)
    canvas = np.asarray(cv2.copyMakeBorder(plate.image, top, bottom, side, side, cv2.BORDER_CONSTANT, value=rim),
                        np.uint8)
    ink = (235, 235, 235) if shade < 100 else (25, 25, 25)
    for cy, band in ((top / 2, top), (top + h + bottom / 2, bottom)):
        if band >= 8 and rng.random() < 0.6:
            word = row_mask((random_word(rng, 5, 12),), _pick_font(rng), rng)
            _place_row(canvas, word, _jitter(ink, rng, 20), canvas.shape[1] / 2, cy, int(band * 0.7),
                       int(w * 0.8), rng)

    def moved(points: Points) -> Points:
        return tuple((x + side, y + top) for x, y in points)

    return FlatPlate(canvas, plate.label, plate.date, plate.scheme, moved(plate.number_centres),
                     moved(plate.date_centres))


def timestamp_text(rng: np.random.Generator) -> tuple[str, ...]:
    """A camera overlay's date and time, e.g. ("2024-05-12", "14:33:21")."""
    y, m, d = int(rng.integers(2015, 2031)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    hh, mm, ss = int(rng.integers(0, 24)), int(rng.integers(0, 60)), int(rng.integers(0, 60))
    return f"{y:04d}-{m:02d}-{d:02d}", f"{hh:02d}:{mm:02d}:{ss:02d}"


def non_plate(rng: np.random.Generator) -> FlatPlate:
    """Text that is not a plate (road sign, badge, slogan, dealer name, timestamp): its label is empty."""
    h = PLATE_HEIGHT
    w = int(h * rng.uniform(1.8, 5.0))
    kind = rng.random()
    bg = _jitter(((40, 130, 30), (150, 60, 20), (235, 235, 235), (25, 25, 25), (20, 190, 230))[int(rng.integers(5))],
                 rng, 35)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = bg
    fg = (20, 20, 20) if float(np.mean(bg)) > 120 else (235, 235, 235)
    font = _pick_font(rng)
    if kind < 0.2:
        groups = timestamp_text(rng)
    elif kind < 0.7:
        groups = tuple(random_word(rng, 3, 9) for _ in range(int(rng.integers(1, 3))))
    else:  # a sign or badge mixing words and numbers ("KM 12", "JL 45 ARAH")
        groups = (random_word(rng, 2, 6), str(int(rng.integers(1, 999))), random_word(rng, 2, 5))
    rows = 1 if rng.random() < 0.6 else 2
    for r in range(rows):
        row = _thicken(row_mask(groups if r == 0 else (random_word(rng, 4, 10),), font, rng), rng)
        cy = h * ((r + 1) / (rows + 1))
        _place_row(canvas, row, _jitter(fg, rng, 20), w * rng.uniform(0.4, 0.6), cy, int(h * 0.6 / rows),
                   int(w * 0.92), rng)
    if rng.random() < 0.5:
        _border(canvas, fg, rng)
    return FlatPlate(canvas, "", "", "none", (), ())
