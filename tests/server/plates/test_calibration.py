"""Calibration: Platt mappings, the JSON form, ECE and the reliability table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.plates.calibration import (
    UNCALIBRATED,
    Calibration,
    Platt,
    expected_calibration_error,
    logit,
    reliability_table,
    sigmoid,
)


def test_identity_platt_returns_the_raw_confidence() -> None:
    for p in (0.1, 0.5, 0.93):
        assert Platt()(p) == pytest.approx(p, abs=1e-6)


def test_temperature_above_one_softens() -> None:
    soft = Platt(slope=0.5)
    assert 0.5 < soft(0.99) < 0.99
    assert 0.01 < soft(0.01) < 0.5


def test_sigmoid_logit_round_trip_and_no_overflow() -> None:
    assert sigmoid(logit(0.3)) == pytest.approx(0.3)
    assert sigmoid(-1000.0) == 0.0
    assert sigmoid(1000.0) == 1.0


def test_invalid_text_uses_its_own_mapping_and_detection_multiplies() -> None:
    cal = Calibration({"recognizer": Platt(1.0, 0.0), "recognizer/invalid": Platt(1.0, -4.0)}, Platt(1.0, 0.0))
    valid = cal.confidence(0.9, "recognizer", True)
    invalid = cal.confidence(0.9, "recognizer", False)
    assert valid == pytest.approx(0.9)
    assert invalid < 0.2
    assert cal.confidence(0.9, "recognizer", True, detection_confidence=0.5) == pytest.approx(0.45)


def test_unknown_reader_keeps_raw_and_empty_read_is_zero() -> None:
    cal = Calibration({"local": Platt(2.0, 1.0)})
    assert cal.confidence(0.7, "gemini", True) == pytest.approx(0.7)
    assert cal.confidence(0.0, "local", True) == 0.0
    assert UNCALIBRATED.confidence(0.42, "local", False, 0.3) == pytest.approx(0.42)


def test_json_round_trip(tmp_path: Path) -> None:
    cal = Calibration({"local": Platt(0.8, 0.2)}, Platt(3.0, -1.0), source="test")
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal.to_json()))
    assert Calibration.load(path) == cal


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"readers": {"local": [1]}}'])
def test_malformed_files_raise_value_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cal.json"
    path.write_text(text)
    with pytest.raises(ValueError):
        Calibration.load(path)


def test_ece_of_perfect_and_overconfident_reads() -> None:
    perfect = [(0.75, True)] * 3 + [(0.75, False)]
    assert expected_calibration_error(perfect) == pytest.approx(0.0)
    over = [(0.95, False)] * 10
    assert expected_calibration_error(over) == pytest.approx(0.95)
    assert expected_calibration_error([]) == 0.0


def test_reliability_table_bins() -> None:
    rows = reliability_table([(0.05, False), (0.55, True), (0.58, False), (1.0, True)])
    assert [(r.low, r.count) for r in rows] == [(0.0, 1), (0.5, 2), (0.9, 1)]
    assert rows[1].accuracy == 0.5
    assert rows[1].mean_confidence == pytest.approx(0.565)
