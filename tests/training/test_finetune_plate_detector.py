"""The ultralytics arguments both detector trainings build from their settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from training import train_unified_detector
from training.finetune_plate_detector import SCHEDULE_KEYS, TrainSettings, best_checkpoint, train_arguments


def test_train_arguments_carry_each_schedule_and_the_fixed_choices(tmp_path: Path) -> None:
    plate = train_arguments(TrainSettings().as_dict(), tmp_path / "data.yaml", tmp_path / "runs")
    unified_settings = train_unified_detector.TrainSettings(epochs=3, lr0=0.01)
    unified = train_arguments(unified_settings.as_dict(), tmp_path / "data.yaml", tmp_path / "runs")
    assert plate["epochs"] == TrainSettings().epochs and unified["epochs"] == 3 and unified["lr0"] == 0.01
    assert set(SCHEDULE_KEYS) <= set(unified)
    assert "composites" not in unified and "hours" not in unified  # not ultralytics arguments
    for args in (plate, unified):
        assert args["device"] == "cpu" and args["deterministic"] and args["optimizer"] == "AdamW"
        assert args["data"] == str(tmp_path / "data.yaml") and args["project"] == str((tmp_path / "runs").resolve())


def test_best_checkpoint_is_required(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="training wrote no"):
        best_checkpoint(tmp_path)
    best = tmp_path / "train" / "weights" / "best.pt"
    best.parent.mkdir(parents=True)
    best.write_bytes(b"weights")
    assert best_checkpoint(tmp_path) == best
