"""recognize() and ocr_only(): OCR read + colours + rules."""

from __future__ import annotations

import numpy as np

from server.domain import Candidate, CharConfidence, OcrRead, PlateColors
from server.plates.recognize import ocr_only, recognize

CROP = np.full((60, 200, 3), 240, dtype=np.uint8)


def _read(text: str, probs: list[float] | None = None, **kwargs: object) -> OcrRead:
    probs = probs or [0.99] * len(text)
    chars = tuple(CharConfidence(c, p) for c, p in zip(text, probs, strict=True))
    return OcrRead(text=text, confidence=0.9, provider="local", chars=chars, **kwargs)  # type: ignore[arg-type]


def test_full_reading_with_measured_colours() -> None:
    reading = recognize(CROP, _read("B1234SFX", date_text="08.29"), PlateColors("white", "black", False))
    assert reading.plate_number == "B 1234 SFX"
    assert reading.raw_text == "B1234SFX"
    assert reading.plate_date == "08/29"
    assert reading.region_code == "B"
    assert reading.region_name == "Jakarta/Metro Jaya"
    assert reading.region_area == "Jakarta Selatan"
    assert reading.is_indonesian
    assert reading.plate_type == "private"
    assert reading.char_confidences == (0.99,) * 8
    assert reading.provider == "local"


def test_colours_are_measured_when_none_given() -> None:
    crop = np.full((60, 200, 3), (0, 210, 240), dtype=np.uint8)
    crop[20:40, 20:180] = 10
    reading = recognize(crop, _read("AB1234CD"))
    assert (reading.background_color, reading.text_color, reading.plate_type) == ("yellow", "black", "public")


def test_provider_colours_win() -> None:
    read = _read("B1234CD", background_color="red", text_color="white", blue_strip=True, plate_type="government")
    reading = recognize(CROP, read)
    assert (reading.background_color, reading.text_color, reading.blue_strip) == ("red", "white", True)
    assert reading.plate_type == "government"


def test_runner_up_from_candidates_fixes_region() -> None:
    read = _read(
        "C1894TE",
        [0.6, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99],
        candidates=(Candidate("C1894TE", 0.9), Candidate("G1894TE", 0.85)),
    )
    assert recognize(CROP, read).plate_number == "G 1894 TE"


def test_foreign_plate_is_kept() -> None:
    reading = recognize(CROP, _read("7ABC123"), PlateColors("white", "blue", False))
    assert reading.plate_number == "7ABC123"
    assert not reading.is_indonesian
    assert (reading.region_code, reading.region_name) == ("", "")


def test_ocr_only_has_no_region() -> None:
    reading = ocr_only(CROP, _read("B1234CD", date_text="0129"), PlateColors("white", "black", False))
    assert reading.plate_number == "B 1234 CD"
    assert reading.plate_date == "01/29"
    assert (reading.region_code, reading.region_name, reading.region_area) == ("", "", "")


def test_empty_read() -> None:
    reading = recognize(CROP, OcrRead(text="", confidence=0.0, provider="local"))
    assert reading.plate_number == ""
    assert not reading.is_indonesian


def test_a_cascade_s_other_read_is_interpreted_by_the_same_rules() -> None:
    crop = np.full((40, 120, 3), 200, np.uint8)
    colors = PlateColors("white", "black", False)
    other = OcrRead("AA1056QG", 0.7, "recognizer")
    reading = recognize(crop, OcrRead("AA1056OG", 0.9, "local", second_read=other), colors)
    (read,) = reading.other_reads
    assert read.plate_number == "AA 1056 QG"
    assert (read.confidence, read.provider, read.is_indonesian) == (0.7, "recognizer", True)
    assert recognize(crop, OcrRead("AA1056OG", 0.9, "local"), colors).other_reads == ()
    blank = OcrRead("AA1056OG", 0.9, "local", second_read=OcrRead("", 0.0, "recognizer"))
    assert recognize(crop, blank, colors).other_reads == ()
