"""Plate colours measured on synthetic crops drawn with OpenCV."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from server.domain import Image
from server.plates.colors import color_name, measure_colors, plate_type

BGR = {
    "white": (245, 245, 245),
    "black": (20, 20, 20),
    "yellow": (0, 210, 240),
    "red": (30, 30, 200),
    "green": (40, 160, 30),
    "blue": (200, 80, 10),
}


def draw_plate(background: str, text: str, *, blue_strip: bool = False) -> Image:
    """A 2-row plate: big number row, small date row, optional blue strip at the bottom."""
    plate = np.full((120, 380, 3), BGR[background], dtype=np.uint8)
    cv2.putText(plate, "B 1234 CD", (18, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.9, BGR[text], 6, cv2.LINE_AA)
    cv2.putText(plate, "08.29", (150, 105), cv2.FONT_HERSHEY_SIMPLEX, 0.8, BGR[text], 2, cv2.LINE_AA)
    if blue_strip:
        plate[0:120, 0:30] = BGR["blue"]
    return plate


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("white", "black"),
        ("black", "white"),
        ("yellow", "black"),
        ("red", "white"),
        ("green", "black"),
        ("white", "blue"),
    ],
)
def test_background_and_text_colours(background: str, text: str) -> None:
    colors = measure_colors(draw_plate(background, text))
    assert (colors.background, colors.text) == (background, text)
    assert colors.blue_strip is False


def test_blue_ev_mark_is_found() -> None:
    colors = measure_colors(draw_plate("white", "black", blue_strip=True))
    assert colors.background == "white"
    assert colors.blue_strip is True


def test_noise_and_lighting_do_not_change_the_verdict() -> None:
    rng = np.random.default_rng(7)
    base = draw_plate("yellow", "black").astype(np.float64)
    noisy = base * 0.75 + rng.normal(0, 12, base.shape)
    colors = measure_colors(np.clip(noisy, 0, 255).astype(np.uint8))
    assert (colors.background, colors.text) == ("yellow", "black")


def test_degenerate_crop() -> None:
    colors = measure_colors(np.zeros((1, 1, 3), dtype=np.uint8))
    assert (colors.background, colors.text, colors.blue_strip) == ("", "", False)


@pytest.mark.parametrize(
    ("hsv", "name"),
    [
        ((0, 0, 250), "white"),
        ((0, 0, 10), "black"),
        ((100, 30, 60), "black"),
        ((25, 200, 220), "yellow"),
        ((2, 200, 200), "red"),
        ((175, 200, 200), "red"),
        ((60, 200, 150), "green"),
        ((110, 200, 150), "blue"),
    ],
)
def test_color_name(hsv: tuple[float, float, float], name: str) -> None:
    assert color_name(*hsv) == name


@pytest.mark.parametrize(
    ("background", "text", "region", "kind"),
    [
        ("white", "black", "B", "private"),
        ("black", "white", "B", "private"),
        ("yellow", "black", "B", "public"),
        ("red", "white", "B", "government"),
        ("green", "black", "BP", "free_trade_zone"),
        ("white", "blue", "", "diplomatic"),
        ("white", "black", "CD", "diplomatic"),
        ("black", "white", "CC", "diplomatic"),
        ("blue", "white", "", ""),
    ],
)
def test_plate_type(background: str, text: str, region: str, kind: str) -> None:
    assert plate_type(background, text, region) == kind
