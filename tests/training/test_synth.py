"""The synthetic plate generator: seeded determinism, shapes, labels that follow the plate rules."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("PIL", reason="the generator draws glyphs with pillow (training dependency)")

from server.plates.rules import parse_indonesian
from training.synth import SynthConfig, generate_batch
from training.synth.render import SCHEMES
from training.synth.text import indonesian_text

pytestmark = pytest.mark.usefixtures("fonts_present")


def test_same_seed_same_samples() -> None:
    a = generate_batch(7, 6)
    b = generate_batch(7, 6)
    assert [s.label for s in a] == [s.label for s in b]
    assert [s.date for s in a] == [s.date for s in b]
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))


def test_other_seed_other_samples() -> None:
    assert [s.label for s in generate_batch(1, 6)] != [s.label for s in generate_batch(2, 6)]


def test_crops_are_bgr_images_of_plausible_size() -> None:
    for sample in generate_batch(3, 20):
        h, w, c = sample.image.shape
        assert c == 3
        assert sample.image.dtype == np.uint8
        assert 4 <= h <= w * 2
        assert 8 <= w <= 400


def test_indonesian_labels_parse_and_dates_are_month_year() -> None:
    samples = generate_batch(5, 40, SynthConfig(us_fraction=0.0))
    for sample in samples:
        parsed = parse_indonesian(sample.label)
        assert parsed is not None and parsed.compact == sample.label
        if sample.date:
            assert re.fullmatch(r"(0[1-9]|1[0-2])\d\d", sample.date)
    assert {s.scheme for s in samples} <= {name for name, *_ in SCHEMES}


def test_us_style_plates_have_no_date() -> None:
    samples = generate_batch(9, 10, SynthConfig(us_fraction=1.0))
    assert all(s.scheme == "us" and s.date == "" and 5 <= len(s.label) <= 7 for s in samples)


def test_every_colour_scheme_is_drawn() -> None:
    schemes = {s.scheme for s in generate_batch(11, 80, SynthConfig(us_fraction=0.0))}
    assert schemes == {name for name, *_ in SCHEMES}


def test_text_groups_are_region_number_suffix() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        text = indonesian_text(rng)
        assert 2 <= len(text.groups) <= 3
        assert text.groups[0].isalpha() and text.groups[1].isdigit() and not text.groups[1].startswith("0")


def test_character_positions_follow_the_label() -> None:
    for sample in generate_batch(13, 20, SynthConfig(us_fraction=0.0)):
        assert len(sample.number_x) == len(sample.label)
        assert len(sample.date_x) == len(sample.date)
        assert list(sample.number_x) == sorted(sample.number_x)
        assert all(-0.05 < x < 1.05 for x in sample.number_x + sample.date_x)


def test_easy_samples_are_sharp_and_mid_sized() -> None:
    for sample in generate_batch(17, 10, SynthConfig(easy=True)):
        assert 100 <= sample.image.shape[1] <= 220
