"""Plate colours measured from a crop's pixels, the blue EV mark, and the plate type they imply."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from server.domain import Image, PlateColors

COLOR_NAMES = ("white", "black", "yellow", "red", "green", "blue")
DIPLOMATIC_SERIES = ("CD", "CC")

# HSV thresholds (OpenCV scale: H 0-179, S and V 0-255).
MIN_CHROMA_SATURATION = 70
MIN_CHROMA_VALUE = 60
WHITE_MIN_VALUE = 120
BLUE_HUE = (90, 130)
BLUE_MIN_VALUE = 110
EV_MIN_SATURATION = 120
EV_MIN_FRACTION = 0.03
MARGIN = 0.06
MEASURE_WIDTH = 160


@dataclass(frozen=True)
class _Cluster:
    hsv: tuple[float, float, float]
    fraction: float


def color_name(hue: float, saturation: float, value: float) -> str:
    """The plate colour name (one of COLOR_NAMES) closest to an HSV colour."""
    if saturation < MIN_CHROMA_SATURATION or value < MIN_CHROMA_VALUE:
        return "white" if value >= WHITE_MIN_VALUE and saturation < MIN_CHROMA_SATURATION else "black"
    if hue < 8 or hue >= 150:
        return "red"
    if hue < 35:
        return "yellow"
    if hue < 85:
        return "green"
    # Old black plates photograph as dark navy: only a bright enough blue is blue.
    return "blue" if value >= BLUE_MIN_VALUE else "black"


def _small(image: Image) -> Image:
    """The crop shrunk to at most MEASURE_WIDTH pixels wide: colours need no more."""
    h, w = image.shape[:2]
    if w <= MEASURE_WIDTH:
        return image
    size = (MEASURE_WIDTH, max(2, round(h * MEASURE_WIDTH / w)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _inner(image: Image) -> Image:
    h, w = image.shape[:2]
    dy, dx = int(h * MARGIN), int(w * MARGIN)
    inner = image[dy : h - dy, dx : w - dx]
    return inner if inner.size else image


def _clusters(image: Image) -> tuple[_Cluster, _Cluster]:
    """Background (the larger Otsu class of the grey image) and text (the other one)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.float32)
    bright = mask.reshape(-1) > 0
    parts = []
    for selected in (bright, ~bright):
        count = int(selected.sum())
        parts.append(_Cluster(_median_hsv(hsv[selected]) if count else (0.0, 0.0, 0.0), count / bright.size))
    background, text = sorted(parts, key=lambda c: c.fraction, reverse=True)
    return background, text


def _median_hsv(pixels: npt.NDArray[np.float32]) -> tuple[float, float, float]:
    # Hue is circular: take the median of the pixels that are coloured enough to have one.
    s = float(np.median(pixels[:, 1]))
    v = float(np.median(pixels[:, 2]))
    coloured = pixels[(pixels[:, 1] >= MIN_CHROMA_SATURATION) & (pixels[:, 2] >= MIN_CHROMA_VALUE)]
    if len(coloured) == 0:
        return 0.0, s, v
    hues = coloured[:, 0]
    red_wrapped = np.where(hues >= 150, hues - 180, hues)
    h = float(np.median(red_wrapped)) if np.mean((hues < 8) | (hues >= 150)) > 0.5 else float(np.median(hues))
    return h % 180, s, v


def has_blue_mark(image: Image, background: str = "", text: str = "") -> bool:
    """True when a saturated blue area (the EV mark) covers a noticeable part of a non-blue plate."""
    if background == "blue" or text == "blue" or image.size == 0:
        return False
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    blue = (h >= BLUE_HUE[0]) & (h <= BLUE_HUE[1]) & (s >= EV_MIN_SATURATION) & (v >= BLUE_MIN_VALUE)
    return float(blue.mean()) >= EV_MIN_FRACTION


def measure_colors(image: Image) -> PlateColors:
    """Background and text colour of a plate crop (BGR) and whether it bears the blue EV mark."""
    if image.ndim != 3 or image.shape[0] < 2 or image.shape[1] < 2:
        return PlateColors(background="", text="", blue_strip=False)
    inner = _inner(_small(image))
    background, text = _clusters(inner)
    bg_name = color_name(*background.hsv)
    text_name = color_name(*text.hsv)
    if bg_name == text_name:
        # One name for both classes: keep it for the background; the text is black when
        # darker, white when brighter (and both achromatic: the brighter class is white).
        bright_is_bg = background.hsv[2] >= text.hsv[2]
        if bg_name in ("white", "black"):
            bg_name = "white" if bright_is_bg else "black"
        text_name = "black" if bright_is_bg else "white"
    return PlateColors(background=bg_name, text=text_name, blue_strip=has_blue_mark(_small(image), bg_name, text_name))


def plate_type(background: str, text: str, region_code: str = "") -> str:
    """Seed plate_type from colours (INDONESIA.md); "" when the colours name no known type."""
    if region_code.upper() in DIPLOMATIC_SERIES:
        return "diplomatic"
    pair = (background, text)
    if pair in (("white", "black"), ("black", "white")):
        return "private"
    if pair == ("white", "blue"):
        return "diplomatic"
    return {"yellow": "public", "red": "government", "green": "free_trade_zone"}.get(background, "")
