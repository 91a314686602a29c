"""Per-frame targets of synthetic samples (training): characters at their centres, blanks between; the
augmentation of real crops."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="training code needs torch")

from training.real_data import RealItem, augment
from training.train_recognizer import IGNORE, frame_targets


def test_characters_land_on_their_frames() -> None:
    targets = frame_targets("B12", [0.1, 0.5, 0.9], "0123456789B", 10)
    assert targets[1] == 11 and targets[5] == 2 and targets[9] == 3
    assert targets[0] == IGNORE and targets[2] == IGNORE and targets[4] == IGNORE
    assert targets[3] == 0 and targets[7] == 0


def test_shared_frame_or_outside_crop_ignores_the_sample() -> None:
    assert (frame_targets("12", [0.5, 0.52], "0123456789", 10) == IGNORE).all()
    assert (frame_targets("12", [0.5, 1.2], "0123456789", 10) == IGNORE).all()


def test_no_text_is_all_blank() -> None:
    assert (frame_targets("", [], "0123456789", 8) == 0).all()


def test_resampled_real_crops_have_a_distant_plate_s_width() -> None:
    # ILPR-sized crops (about 600 px wide) shrink to 56-280 px when resampled, never when not.
    image = np.full((189, 602, 3), 200, np.uint8)
    item = RealItem(image, None, "B1234CD", "set/img.jpg", False, False)
    rng = np.random.default_rng(3)
    resampled = [augment(item, rng, resample=1.0).shape[1] for _ in range(30)]
    kept = [augment(item, rng).shape[1] for _ in range(30)]
    assert max(resampled) <= 290 and min(resampled) >= 50
    assert min(kept) > 290 * 0.45  # the old shrink: at most to 0.45 x a warped width
