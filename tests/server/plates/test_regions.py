"""The region code table of INDONESIA.md."""

from __future__ import annotations

import pytest

from server.plates.regions import REGIONS, SPECIAL_SERIES, is_known, jakarta_area, lookup

ALL_CODES = [
    "BL",
    "BB",
    "BK",
    "BA",
    "BM",
    "BP",
    "BH",
    "BG",
    "BN",
    "BD",
    "BE",
    "A",
    "B",
    "D",
    "E",
    "F",
    "T",
    "Z",
    "G",
    "H",
    "K",
    "R",
    "AA",
    "AD",
    "AB",
    "L",
    "M",
    "N",
    "P",
    "S",
    "W",
    "AE",
    "AG",
    "DK",
    "DR",
    "EA",
    "DH",
    "EB",
    "ED",
    "KB",
    "DA",
    "KH",
    "KT",
    "KU",
    "DB",
    "DL",
    "DM",
    "DN",
    "DD",
    "DP",
    "DW",
    "DC",
    "DT",
    "DE",
    "DG",
    "PA",
    "PB",
    "PY",
    "PS",
    "PT",
    "DS",
]


def test_table_is_complete() -> None:
    assert set(REGIONS) == set(ALL_CODES)
    assert len(ALL_CODES) == len(set(ALL_CODES))


def test_jakarta_keeps_the_seed_spelling() -> None:
    region = lookup("B")
    assert region is not None
    assert region.name == "Jakarta/Metro Jaya"


@pytest.mark.parametrize(("code", "name"), [("PY", "Southwest Papua"), ("PS", "South Papua"), ("PT", "Central Papua")])
def test_2024_papua_codes(code: str, name: str) -> None:
    region = lookup(code)
    assert region is not None
    assert region.name == name


def test_lookup_is_case_insensitive_and_knows_special_series() -> None:
    assert lookup("dk") == REGIONS["DK"]
    assert lookup("CD") == SPECIAL_SERIES["CD"]
    assert is_known("RI")
    assert not is_known("X")
    assert not is_known("")
    assert lookup("ZZ") is None


@pytest.mark.parametrize(
    ("code", "suffix", "area"),
    [
        ("B", "BCD", "Jakarta Barat"),
        ("B", "PQ", "Jakarta Pusat"),
        ("B", "S", "Jakarta Selatan"),
        ("B", "TX", "Jakarta Timur"),
        ("B", "UA", "Jakarta Utara"),
        ("B", "KZ", ""),
        ("B", "", ""),
        ("D", "BCD", ""),
    ],
)
def test_jakarta_area(code: str, suffix: str, area: str) -> None:
    assert jakarta_area(code, suffix) == area
