"""Synthetic non-plates (empty label), dealer holders and IR-like crops of the v2 generator."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PIL", reason="the generator draws glyphs with pillow (training dependency)")

from training.synth import SynthConfig, generate_batch
from training.synth.render import holder_frame, indonesian_plate, non_plate, timestamp_text
from training.synth.text import CONFUSABLE_LETTERS, indonesian_text

pytestmark = pytest.mark.usefixtures("fonts_present")


def test_non_plates_have_no_label_and_no_positions() -> None:
    rng = np.random.default_rng(5)
    for _ in range(10):
        plate = non_plate(rng)
        assert plate.label == "" and plate.date == ""
        assert plate.number_centres == () and plate.image.ndim == 3


def test_timestamps_look_like_camera_overlays() -> None:
    day, time = timestamp_text(np.random.default_rng(1))
    assert len(day) == 10 and day[4] == "-" and len(time) == 8 and time[2] == ":"


def test_holder_keeps_the_label_and_moves_the_positions_inside() -> None:
    rng = np.random.default_rng(9)
    plate = indonesian_plate(indonesian_text(rng), rng, motorcycle=False)
    framed = holder_frame(plate, rng)
    assert framed.label == plate.label
    assert framed.image.shape[0] > plate.image.shape[0]
    h, w = framed.image.shape[:2]
    assert all(0 <= x < w and 0 <= y < h for x, y in framed.number_centres)


def test_config_mixes_in_negatives_and_grey_crops() -> None:
    samples = generate_batch(3, 60, SynthConfig(negative_fraction=0.3, infrared_fraction=0.5))
    empty = [s for s in samples if s.label == ""]
    assert 5 <= len(empty) <= 35
    grey = [s for s in samples if np.array_equal(s.image[..., 0], s.image[..., 1])
            and np.array_equal(s.image[..., 1], s.image[..., 2])]
    assert len(grey) >= 15


def test_confusable_letters_are_drawn_more_often() -> None:
    rng = np.random.default_rng(0)
    suffixes = "".join(indonesian_text(rng).groups[-1] for _ in range(3000))
    letters = [c for c in suffixes if c.isalpha()]
    share = sum(c in CONFUSABLE_LETTERS for c in letters) / len(letters)
    assert share > len(CONFUSABLE_LETTERS) / 26 + 0.1
