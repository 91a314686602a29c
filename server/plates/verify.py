"""The last step of every read: plate validity, calibrated confidence, and the junk verdict.

A detection whose text is not a valid plate (a sign, badge, dealer frame, slogan or timestamp read as
text) keeps `plate_valid` false and, through the calibration, a low confidence; a valid plate that both
readers of the cascade read alike is calibrated as such (`/agreed`: two independent readers rarely make
the same mistake); with
`plates.drop_invalid_below` set, such detections under that confidence are dropped altogether.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from server.domain import OtherRead, PlateReading
from server.plates.calibration import UNCALIBRATED, Calibration
from server.plates.identity import normalise
from server.plates.validity import DEFAULT_FORMATS, PlateFormats


def readers_agree(reading: PlateReading) -> bool:
    """Whether the cascade's other reader read the same plate (two independent readers, one text)."""
    mine = normalise(reading.plate_number)
    return bool(mine) and any(normalise(o.plate_number) == mine for o in reading.other_reads)


@dataclass(frozen=True)
class Verifier:
    """Formats that count as plates, the confidence calibration and the drop threshold."""

    formats: PlateFormats = DEFAULT_FORMATS
    calibration: Calibration = UNCALIBRATED
    drop_invalid_below: float = 0.0

    def verify(self, reading: PlateReading, detection_confidence: float | None = None) -> PlateReading:
        """The reading with `plate_valid` set and its confidence calibrated (detection score included)."""
        valid = self.formats.plate_valid(reading.plate_number)
        confidence = self.calibration.confidence(reading.confidence, reading.provider, valid, detection_confidence,
                                                 agreed=readers_agree(reading))
        others = tuple(self._verify_other(o, detection_confidence) for o in reading.other_reads)
        return replace(reading, plate_valid=valid, confidence=round(confidence, 4), other_reads=others)

    def _verify_other(self, other: OtherRead, detection_confidence: float | None) -> OtherRead:
        """Another reader's read, validated and calibrated the same way as the chosen one."""
        valid = self.formats.plate_valid(other.plate_number)
        confidence = self.calibration.confidence(other.confidence, other.provider, valid, detection_confidence)
        return replace(other, plate_valid=valid, confidence=round(confidence, 4))

    def keeps(self, reading: PlateReading) -> bool:
        """False for a detection to drop: not a valid plate and under the drop threshold."""
        return reading.plate_valid or reading.confidence >= self.drop_invalid_below
