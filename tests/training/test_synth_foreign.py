"""Foreign layouts (EU, Mercosur) and the electric-vehicle mark in the synthetic generator."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("PIL", reason="the generator draws glyphs with pillow (training dependency)")

from training.synth import SynthConfig, generate_batch
from training.synth.render import ev_mark
from training.synth.text import eu_text, mercosur_text

pytestmark = pytest.mark.usefixtures("fonts_present")


def test_eu_plates_are_long_undated_and_labelled_per_character() -> None:
    samples = generate_batch(21, 12, SynthConfig(us_fraction=0.0, eu_fraction=1.0))
    assert all(s.scheme == "eu" and s.date == "" for s in samples)
    assert all(re.fullmatch(r"[A-Z0-9]{5,9}", s.label) for s in samples)
    assert all(len(s.number_x) == len(s.label) for s in samples)


def test_mercosur_plates_follow_the_brazilian_patterns() -> None:
    samples = generate_batch(22, 12, SynthConfig(us_fraction=0.0, mercosur_fraction=1.0))
    assert all(s.scheme == "mercosur" and s.date == "" for s in samples)
    assert all(re.fullmatch(r"[A-Z]{3}[0-9][A-Z0-9][0-9]{2}", s.label) for s in samples)


def test_text_patterns() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        eu, merc = eu_text(rng), mercosur_text(rng)
        assert eu.date == "" and merc.date == "" and 2 <= len(eu.groups) <= 3
        assert re.fullmatch(r"[A-Z]{3}[0-9][A-Z0-9][0-9]{2}", merc.label)


def test_ev_mark_paints_a_blue_edge() -> None:
    plate = np.full((80, 240, 3), 235, np.uint8)
    ev_mark(plate, np.random.default_rng(0))
    blue = (plate[..., 0].astype(int) - plate[..., 2].astype(int)) > 80
    assert blue.mean() > 0.04
    assert blue[-1].all() or blue[:, 0].all()  # a strip along the bottom or the left edge
