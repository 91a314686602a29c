"""Indonesian plate rules: normalisation, parsing, positional correction, dates."""

from __future__ import annotations

import pytest

from server.plates.identity import normalise
from server.plates.rules import interpret, parse_date, parse_indonesian


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("b 1234-cd", "B1234CD"), ("  AB·123\n", "AB123"), ("", ""), ("7abc123", "7ABC123")],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "formatted", "region"),
    [
        ("B1234CD", "B 1234 CD", "B"),
        ("b 1234 cd", "B 1234 CD", "B"),
        ("AB1234", "AB 1234", "AB"),
        ("DK1157AAB", "DK 1157 AAB", "DK"),
        ("L300RX", "L 300 RX", "L"),
        ("H1A", "H 1 A", "H"),
        ("PY1234AB", "PY 1234 AB", "PY"),
        ("PS12", "PS 12", "PS"),
        ("PT9999XYZ", "PT 9999 XYZ", "PT"),
        ("CD1234", "CD 1234", "CD"),
        ("RI1", "RI 1", "RI"),
        ("AA1997FE", "AA 1997 FE", "AA"),
    ],
)
def test_valid_plates_are_formatted(raw: str, formatted: str, region: str) -> None:
    parsed = parse_indonesian(raw)
    assert parsed is not None
    assert parsed.formatted == formatted
    assert parsed.region == region
    assert parsed.corrections == 0


@pytest.mark.parametrize(
    ("raw", "probs", "expected"),
    [
        ("B12O4CD", [1, 1, 1, 0.5, 1, 1, 1], "B 1204 CD"),  # O in the number, doubtful
        ("B1234C0", [1, 1, 1, 1, 1, 1, 0.6], "B 1234 CO"),  # 0 in the suffix
        ("B1Z34CD", [1, 1, 0.7, 1, 1, 1, 1], "B 1234 CD"),
        ("BI234CD", [1, 0.8, 1, 1, 1, 1, 1], "B 1234 CD"),
        ("B1234C8", [1, 1, 1, 1, 1, 1, 0.5], "B 1234 CB"),
        ("L1568Q0", [1, 1, 1, 1, 1, 1, 0.8], "L 1568 QO"),
        ("AD1G34S", [1, 1, 1, 0.4, 1, 1, 1], "AD 1634 S"),
        ("B1S34D", [1, 1, 0.5, 1, 1, 1], "B 1534 D"),
        ("B1D34", [1, 1, 0.5, 1, 1], "B 1034"),
        ("B1Q34", [1, 1, 0.5, 1, 1], "B 1034"),
        ("B1A34", [1, 1, 0.5, 1, 1], "B 1434"),
        ("B12345", [1, 1, 1, 1, 1, 0.5], "B 1234 S"),
    ],
)
def test_doubtful_confusables_are_corrected_by_position(raw: str, probs: list[float], expected: str) -> None:
    parsed = parse_indonesian(raw, probs)
    assert parsed is not None
    assert parsed.formatted == expected
    assert parsed.corrections == 1


def test_leading_digit_before_five_digits_is_the_region_letter() -> None:
    parsed = parse_indonesian("81234CD")
    assert parsed is not None
    assert parsed.formatted == "B 1234 CD"


def test_runner_up_letter_repairs_an_unknown_region() -> None:
    # "C" is no region; the reader's runner-up for it was "G".
    parsed = parse_indonesian("C1894TE", [0.6, 1, 1, 1, 1, 1, 1], ["G", "", "", "", "", "", ""])
    assert parsed is not None
    assert parsed.formatted == "G 1894 TE"


def test_runner_up_digit_is_preferred_to_the_static_table() -> None:
    parsed = parse_indonesian("B1Z34CD", [1, 1, 0.5, 1, 1, 1, 1], ["", "", "7", "", "", "", ""])
    assert parsed is not None
    assert parsed.number == "1734"


@pytest.mark.parametrize(
    "raw",
    [
        "7ABC123",  # California
        "232MMA",  # a sure leading digit is not turned into a region letter
        "800002",  # digits only
        "BLOGGER",  # the number would be all letters
        "ASUKA",
        "ANYTEXT",
        "CONNMAN",
        "5AOJ230",
        "X1234AB",  # no region X
        "B12345678",  # too long
        "B",
        "",
    ],
)
def test_non_indonesian_reads_are_not_forced(raw: str) -> None:
    assert parse_indonesian(raw) is None


def test_sure_characters_are_not_corrected() -> None:
    # Read with full confidence: "A000956" is a US plate, not "A 0009 SG".
    assert parse_indonesian("A000956") is None
    assert parse_indonesian("B108565") is None


def test_at_most_two_corrections() -> None:
    assert parse_indonesian("BOOOOCD", [1, 0.5, 0.5, 0.5, 0.5, 1, 1]) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08.29", "08/29"),
        ("0829", "08/29"),
        ("08-29", "08/29"),
        ("01·28", "01/28"),
        ("12 25", "12/25"),
        ("O8.29", "08/29"),
        ("13.29", ""),
        ("00.29", ""),
        ("829", ""),
        ("", ""),
        ("AB.CD", ""),
    ],
)
def test_parse_date(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected


def test_interpret_indonesian_with_jakarta_area() -> None:
    verdict = interpret("b 1234 sfx")
    assert verdict.is_indonesian
    assert verdict.plate_number == "B 1234 SFX"
    assert verdict.raw_text == "B1234SFX"
    assert verdict.region_code == "B"
    assert verdict.region_name == "Jakarta/Metro Jaya"
    assert verdict.region_area == "Jakarta Selatan"


def test_interpret_foreign_plate_keeps_raw_read() -> None:
    verdict = interpret("7abc-123")
    assert not verdict.is_indonesian
    assert verdict.plate_number == "7ABC123"
    assert verdict.raw_text == "7ABC123"
    assert (verdict.region_code, verdict.region_name, verdict.region_area) == ("", "", "")


def test_interpret_keeps_raw_when_corrected() -> None:
    verdict = interpret("B12O4CD", [1, 1, 1, 0.5, 1, 1, 1])
    assert verdict.plate_number == "B 1204 CD"
    assert verdict.raw_text == "B12O4CD"
    assert verdict.corrections == 1


def test_characters_boxed_in_by_the_layout_are_corrected_even_when_sure() -> None:
    # After "1861" and the letter "T", only letters can follow.
    parsed = parse_indonesian("B1861T01")
    assert parsed is not None
    assert parsed.formatted == "B 1861 TOI"
    # Between digits of the number, only a digit fits.
    boxed = parse_indonesian("B12O4CD")
    assert boxed is not None
    assert boxed.formatted == "B 1204 CD"


def test_short_numbers_do_not_box_in_the_suffix() -> None:
    # A US "DE8Y2A" must not become "DE 8 YZA".
    assert parse_indonesian("DE8Y2A") is None


@pytest.mark.parametrize(
    ("raw", "probs", "expected"),
    [
        ("83500URCY", [0.69, 0.98, 0.6, 0.98, 0.94, 0.96, 0.98, 0.98, 0.5], "B 3500 URC"),
        ("86950UTMP", [0.65, 0.98, 0.99, 1.0, 0.99, 0.89, 0.85, 0.79, 0.38], "B 6950 UTM"),
        ("B1095URXT", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.77, 1.0, 0.76], "B 1095 URX"),
    ],
)
def test_doubtful_border_characters_are_dropped(raw: str, probs: list[float], expected: str) -> None:
    verdict = interpret(raw, probs)
    assert verdict.plate_number == expected
    assert verdict.raw_text == raw


def test_sure_border_characters_are_kept() -> None:
    verdict = interpret("B1095URXT")
    assert not verdict.is_indonesian
    assert verdict.plate_number == "B1095URXT"
