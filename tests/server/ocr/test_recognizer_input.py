"""Recognizer input: grey, fixed size, standardised per image, for BGR, BGRA and grey crops."""

from __future__ import annotations

import numpy as np

from server.ocr.recognizer_input import INPUT_HEIGHT, INPUT_WIDTH, batch_input, standardise


def test_batch_shape_and_dtype_for_mixed_crops() -> None:
    rng = np.random.default_rng(0)
    crops = [
        rng.integers(0, 256, (30, 100, 3), dtype=np.uint8),
        rng.integers(0, 256, (300, 900, 4), dtype=np.uint8),
        rng.integers(0, 256, (20, 40), dtype=np.uint8),
    ]
    batch = batch_input(crops)
    assert batch.shape == (3, 1, INPUT_HEIGHT, INPUT_WIDTH)
    assert batch.dtype == np.float32


def test_standardise_centres_and_scales() -> None:
    grey = np.tile(np.arange(0, 144, dtype=np.uint8), (48, 1))
    plane = standardise(grey)
    assert abs(float(plane.mean())) < 1e-4
    assert abs(float(plane.std()) - 1.0) < 1e-3


def test_flat_crop_is_not_amplified() -> None:
    plane = standardise(np.full((48, 144), 77, np.uint8))
    assert float(np.abs(plane).max()) == 0.0
