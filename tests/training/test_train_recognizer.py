"""Per-frame targets of synthetic samples (training): characters at their centres, blanks between."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="training code needs torch")

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
