"""training/calibrate.py: the Platt fit and the per-reader grouping."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from server.plates.calibration import Platt, expected_calibration_error, logit, sigmoid
from training.calibrate import MIN_SAMPLES, Sample, fit_platt, fit_readers


def _simulated(truth: Platt, n: int, seed: int) -> tuple[list[float], list[bool]]:
    rng = np.random.default_rng(seed)
    raws = [float(r) for r in rng.uniform(0.3, 0.999, n)]
    labels = [bool(rng.random() < truth(r)) for r in raws]
    return raws, labels


def test_fit_recovers_a_known_mapping() -> None:
    truth = Platt(0.6, -0.8)
    raws, labels = _simulated(truth, 4000, 1)
    fitted = fit_platt(raws, labels)
    assert fitted.slope == pytest.approx(0.6, abs=0.12)
    assert fitted.bias == pytest.approx(-0.8, abs=0.25)


def test_fit_lowers_the_ece_of_overconfident_reads() -> None:
    raws, labels = _simulated(Platt(0.5, -1.0), 3000, 2)
    before = expected_calibration_error(list(zip(raws, labels, strict=True)))
    fitted = fit_platt(raws, labels)
    after = expected_calibration_error([(fitted(r), ok) for r, ok in zip(raws, labels, strict=True)])
    assert before > 0.1
    assert after < 0.05


def test_groups_without_both_outcomes_share_the_readers_mapping() -> None:
    samples = [Sample(0.9, "recognizer", True, i % 4 != 0, f"T{i}") for i in range(40)]
    samples += [Sample(0.9, "recognizer", False, False, f"U{i}") for i in range(MIN_SAMPLES + 3)]
    junk = [Sample(0.99, "local", False, False, f"J{i}") for i in range(5)]
    fitted = fit_readers(samples, junk)
    assert "recognizer" in fitted
    # all invalid reads wrong: no fit but a constant, the smoothed rate 1 / (reads + 2), for every reader
    rate = 1 / (MIN_SAMPLES + 3 + 5 + 2)
    assert fitted["recognizer/invalid"](0.999) == pytest.approx(rate)
    assert fitted["local/invalid"](0.5) == pytest.approx(rate)
    assert sigmoid(fitted["recognizer"].slope * logit(0.9) + fitted["recognizer"].bias) < 0.9
