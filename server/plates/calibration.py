"""Calibrated confidence: a read's `confidence_score` as the probability that it is right.

Platt scaling (a per-reader temperature and bias on the logit of the reader's raw confidence,
temperature scaling's two-parameter form), fitted on the held-out part of the `*-train` sets by
training/calibrate.py and stored as JSON next to the models. A read that is not a valid plate has
its own temperature and bias (its reads are far less often right), and a detected plate's score is
multiplied by the probability that the detection is a plate at all (Platt scaling of the plate
detector's confidence). Pure: no model, no I/O beyond `load`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EPS = 1e-4


def logit(p: float) -> float:
    """log(p / (1 - p)), p clipped to [EPS, 1 - EPS]."""
    q = min(max(p, EPS), 1.0 - EPS)
    return math.log(q / (1.0 - q))


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), without overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(frozen=True)
class Platt:
    """p = sigmoid(slope * logit(raw) + bias); slope = 1 / temperature."""

    slope: float = 1.0
    bias: float = 0.0

    def __call__(self, raw: float) -> float:
        """The calibrated probability of a raw confidence."""
        return sigmoid(self.slope * logit(raw) + self.bias)


IDENTITY = Platt()


@dataclass(frozen=True)
class Calibration:
    """Per reader (provider name) and validity, the mapping from raw confidence to P(read is right)."""

    # keys "<provider>", "<provider>/invalid" and "<provider>/agreed" (both readers read this very plate)
    readers: dict[str, Platt] = field(default_factory=dict)
    detection: Platt | None = None  # P(a detection is a plate) from the plate detector's confidence
    source: str = ""

    def read_probability(self, raw: float, provider: str, plate_valid: bool, agreed: bool = False) -> float:
        """P(read right): the reader's mapping for invalid text (`/invalid`), for a valid plate that the
        other reader read the same (`/agreed`) or for any other valid read; raw when none is fitted."""
        key = f"{provider}/invalid" if not plate_valid else f"{provider}/agreed" if agreed else provider
        mapping = self.readers.get(key) or self.readers.get(provider)
        return mapping(raw) if mapping is not None else raw

    def plate_probability(self, detection_confidence: float | None) -> float:
        """P(the detection is a plate); 1 for a crop sent on its own (no detection) or when not fitted."""
        if detection_confidence is None or self.detection is None:
            return 1.0
        return self.detection(detection_confidence)

    def confidence(self, raw: float, provider: str, plate_valid: bool,
                   detection_confidence: float | None = None, agreed: bool = False) -> float:
        """The calibrated confidence_score of a read."""
        if raw <= 0.0:
            return 0.0
        probability = self.read_probability(raw, provider, plate_valid, agreed)
        return probability * self.plate_probability(detection_confidence)

    def to_json(self) -> dict[str, Any]:
        """The JSON form that `from_json` reads."""
        return {
            "readers": {k: [v.slope, v.bias] for k, v in sorted(self.readers.items())},
            "detection": None if self.detection is None else [self.detection.slope, self.detection.bias],
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        """Parse the JSON form; ValueError on a malformed document."""
        try:
            readers = {str(k): Platt(float(v[0]), float(v[1])) for k, v in dict(data.get("readers", {})).items()}
            det = data.get("detection")
            detection = None if det is None else Platt(float(det[0]), float(det[1]))
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise ValueError(f"malformed calibration: {exc}") from exc
        return cls(readers, detection, str(data.get("source", "")))

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read a calibration file; ValueError when it is not valid JSON of the right shape."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object")
        return cls.from_json(data)


UNCALIBRATED = Calibration()


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE: the bin-weighted mean |accuracy - mean confidence| over equal-width confidence bins."""
    if not pairs:
        return 0.0
    total = 0.0
    for row in reliability_table(pairs, bins):
        total += row.count * abs(row.accuracy - row.mean_confidence)
    return total / len(pairs)


@dataclass(frozen=True)
class ReliabilityRow:
    """One confidence bin: its bounds, how many reads fell in it, their mean confidence and accuracy."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


def reliability_table(pairs: list[tuple[float, bool]], bins: int = 10) -> list[ReliabilityRow]:
    """(confidence, correct) pairs grouped into `bins` equal-width bins (empty bins left out)."""
    rows: list[ReliabilityRow] = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (b == bins - 1 and c == 1.0)]
        if inside:
            rows.append(ReliabilityRow(low, high, len(inside), sum(c for c, _ in inside) / len(inside),
                                       sum(ok for _, ok in inside) / len(inside)))
    return rows
