"""The verifier: plate_valid on every reading, calibrated confidence, dropping junk when configured."""

from __future__ import annotations

from server.domain import PlateReading
from server.plates.calibration import Calibration, Platt
from server.plates.verify import Verifier


def _reading(number: str, confidence: float = 0.98, provider: str = "local") -> PlateReading:
    return PlateReading(plate_number=number, raw_text=number, plate_date="", confidence=confidence, provider=provider)


def test_plate_valid_is_set_for_plates_and_not_for_junk() -> None:
    verifier = Verifier()
    assert verifier.verify(_reading("B 1234 CD")).plate_valid
    assert verifier.verify(_reading("6HP995")).plate_valid
    junk = verifier.verify(_reading("MITSUBIS", 1.0))
    assert not junk.plate_valid
    assert junk.confidence == 1.0  # no calibration: the reader's own confidence


def test_calibration_lowers_confident_junk_and_weak_detections() -> None:
    cal = Calibration({"local": Platt(1.0, 0.0), "local/invalid": Platt(0.3, -4.0)}, Platt(4.0, -2.0))
    verifier = Verifier(calibration=cal)
    junk = verifier.verify(_reading("CARBRAXX", 1.0), detection_confidence=0.9)
    assert not junk.plate_valid and junk.confidence < 0.5
    plate = verifier.verify(_reading("B 1234 CD", 0.98), detection_confidence=0.9)
    assert plate.plate_valid and plate.confidence > 0.9
    weak = verifier.verify(_reading("B 1234 CD", 0.98), detection_confidence=0.3)
    assert weak.confidence < plate.confidence


def test_drop_threshold_keeps_valid_plates_and_drops_weak_junk() -> None:
    verifier = Verifier(drop_invalid_below=0.5)
    assert verifier.keeps(verifier.verify(_reading("B 1234 CD", 0.1)))
    assert not verifier.keeps(verifier.verify(_reading("TAXATIONWITHOUTREPRESENTATION", 0.3)))
    assert verifier.keeps(verifier.verify(_reading("TAXATIONWITHOUTREPRESENTATION", 0.9)))
    assert Verifier().keeps(verifier.verify(_reading("SLOGAN", 0.0)))  # default: keep everything


def test_other_reads_are_validated_and_calibrated_like_the_chosen_one() -> None:
    from dataclasses import replace

    from server.domain import OtherRead

    calibration = Calibration(readers={"local": Platt(4.0, -2.0), "recognizer": Platt(2.0, 0.0),
                                       "recognizer/invalid": Platt(0.3, -4.0)})
    reading = replace(_reading("B 1234 CD"), other_reads=(OtherRead("B 1234 CO", 0.9, "recognizer", True),
                                                           OtherRead("STOP", 0.9, "recognizer")))
    verified = Verifier(calibration=calibration).verify(reading)
    alone = Verifier(calibration=calibration).verify(_reading("B 1234 CO", 0.9, "recognizer"))
    first, junk = verified.other_reads
    assert first.plate_valid and not junk.plate_valid
    assert first.confidence == alone.confidence
    assert junk.confidence < first.confidence
