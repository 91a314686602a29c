"""One synthetic plate crop with its labels: text -> flat plate -> pose on background -> crop -> degradations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.augment import (
    Canvas,
    Matrix,
    background_patch,
    crop_around,
    degrade,
    degrade_lightly,
    infrared,
    pose,
    procedural_background,
    scene_size,
)
from training.synth.render import (
    FlatPlate,
    Points,
    eu_plate,
    holder_frame,
    indonesian_plate,
    mercosur_plate,
    non_plate,
    us_plate,
)
from training.synth.text import eu_text, indonesian_text, mercosur_text, us_text


@dataclass(frozen=True)
class SynthConfig:
    """Mix of plate kinds and backgrounds."""

    us_fraction: float = 0.08
    eu_fraction: float = 0.0  # EU-style plates (blue country strip), no date row
    mercosur_fraction: float = 0.0  # Mercosur / Brazilian plates, no date row
    motorcycle_fraction: float = 0.45
    real_background_fraction: float = 0.6  # when a background pool is given
    easy: bool = False  # curriculum: mild pose, tight crop, no blur/noise/low resolution
    negative_fraction: float = 0.0  # text that is not a plate (signs, slogans, timestamps), label ""
    holder_fraction: float = 0.0  # plates in a dealer's holder with small dealer text
    infrared_fraction: float = 0.0  # night/IR-like grey crops


@dataclass(frozen=True)
class PlateSample:
    """A BGR crop, the main-row label ("B1234CD"), the date label ("0829" or "") and character positions.

    `number_x` / `date_x` hold each label character's centre as a fraction of the crop width
    (resizing the crop keeps them), for per-frame supervision of the recognizer.
    """

    image: Canvas
    label: str
    date: str
    scheme: str
    number_x: tuple[float, ...] = ()
    date_x: tuple[float, ...] = ()


def _fractions(points: Points, matrix: Matrix, offset: tuple[int, int], width: int) -> tuple[float, ...]:
    """x of plate points after the pose and the crop, as fractions of the crop width."""
    if not points:
        return ()
    warped = cv2.perspectiveTransform(np.asarray([points], np.float64), matrix)[0]
    return tuple(float((x - offset[0]) / max(width, 1)) for x, _ in warped)


def flat_plate(rng: np.random.Generator, config: SynthConfig) -> FlatPlate:
    """A random flat plate of the configured kinds."""
    if config.negative_fraction and rng.random() < config.negative_fraction:
        return non_plate(rng)
    kind = rng.random()
    if kind < config.us_fraction:
        return us_plate(us_text(rng), rng)
    if kind < config.us_fraction + config.eu_fraction:
        return eu_plate(eu_text(rng), rng)
    if kind < config.us_fraction + config.eu_fraction + config.mercosur_fraction:
        return mercosur_plate(mercosur_text(rng), rng)
    plate = indonesian_plate(indonesian_text(rng), rng, motorcycle=rng.random() < config.motorcycle_fraction)
    if config.holder_fraction and rng.random() < config.holder_fraction:
        plate = holder_frame(plate, rng)
    return plate


def generate_sample(
    rng: np.random.Generator, config: SynthConfig | None = None, backgrounds: Sequence[Canvas] = ()
) -> PlateSample:
    """One synthetic crop; deterministic for a given generator state."""
    config = config or SynthConfig()
    plate = flat_plate(rng, config)
    h, w = plate.image.shape[:2]
    size = scene_size(h, w)
    if backgrounds and rng.random() < config.real_background_fraction:
        background = background_patch(size[0], size[1], rng, backgrounds)
    else:
        background = procedural_background(size[0], size[1], rng)
    scene, quad, matrix = pose(plate.image, rng, background, strength=0.3 if config.easy else 1.0)
    cut, offset = crop_around(scene, quad, rng, loose_probability=0.0 if config.easy else 0.35)
    crop = degrade_lightly(cut, rng) if config.easy else degrade(cut, rng)
    if config.infrared_fraction and rng.random() < config.infrared_fraction:
        crop = infrared(crop, rng)
    width = cut.shape[1]
    return PlateSample(
        crop,
        plate.label,
        plate.date,
        plate.scheme,
        _fractions(plate.number_centres, matrix, offset, width),
        _fractions(plate.date_centres, matrix, offset, width),
    )


def generate_batch(
    seed: int, count: int, config: SynthConfig | None = None, backgrounds: Sequence[Canvas] = ()
) -> list[PlateSample]:
    """`count` samples from one seeded generator (same seed, same samples)."""
    rng = np.random.default_rng(seed)
    return [generate_sample(rng, config, backgrounds) for _ in range(count)]
