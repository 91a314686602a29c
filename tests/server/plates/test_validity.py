"""plate_valid: the Indonesian grammar and the configured foreign formats."""

from __future__ import annotations

import pytest

from server.plates.validity import DEFAULT_FORMATS, PlateFormats, compact, is_indonesian_plate


@pytest.mark.parametrize("text", ["B 1234 CD", "B1234CD", "AB 1 A", "DK 1157 AAB", "N 1718 HC", "B 2760", "PA 12 X"])
def test_indonesian_plates_are_valid(text: str) -> None:
    assert is_indonesian_plate(text)
    assert DEFAULT_FORMATS.plate_valid(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("XX 1234 AB", "unknown region code"),
        ("B 12345 AB", "five digits"),
        ("B 0123 AB", "leading zero"),
        ("B 1234 ABCD", "four suffix letters"),
        ("B ABCD", "no number"),
        ("", "empty"),
    ],
)
def test_not_indonesian(text: str, why: str) -> None:
    assert not is_indonesian_plate(text), why


@pytest.mark.parametrize("text", ["6HP995", "K179658", "ABC1234", "ABC1D23", "7ABC123", "1234567"])
def test_foreign_formats_are_valid(text: str) -> None:
    assert DEFAULT_FORMATS.plate_valid(text)


@pytest.mark.parametrize("junk", ["MITSUBIS", "CARBRAXX", "TAXATIONWITHOUTREPRESENTATION", "20240512143321",
                                  "TOYOTA", "X1"])
def test_junk_is_not_a_plate(junk: str) -> None:
    assert not DEFAULT_FORMATS.plate_valid(junk)


def test_configured_patterns_replace_the_defaults() -> None:
    only_br = PlateFormats.from_patterns([r"^[A-Z]{3}[0-9][A-Z0-9][0-9]{2}$"])
    assert only_br.plate_valid("ABC1D23")
    assert not only_br.plate_valid("6HP995")
    assert only_br.plate_valid("B 1234 CD")  # the Indonesian grammar always counts


def test_bad_pattern_is_named() -> None:
    with pytest.raises(ValueError, match=r"\[A-Z"):
        PlateFormats.from_patterns(["[A-Z"])


def test_compact() -> None:
    assert compact("b-1234 cd.") == "B1234CD"


def test_a_bad_configured_pattern_stops_start_up_naming_the_key() -> None:
    from server.config import load_settings
    from server.errors import ConfigError

    with pytest.raises(ConfigError, match=r"plates\.foreign_patterns"):
        load_settings(environ={"GALAXY_ALPR__PLATES__FOREIGN_PATTERNS": '["[A-Z"]'})
    settings = load_settings(environ={"GALAXY_ALPR__PLATES__FOREIGN_PATTERNS": '["^X[0-9]+$"]'})
    assert settings.plates.formats.plate_valid("X123")
    assert not settings.plates.formats.plate_valid("6HP995")
