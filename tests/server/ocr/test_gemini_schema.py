"""parse_plate_reply and the schema: every documented field, strict presence, lenient values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.errors import OcrError
from server.ocr.gemini_schema import FIELDS, PLATE_JSON_SCHEMA, SYSTEM_INSTRUCTION, parse_plate_reply
from tests.fakes.gemini_server import DEFAULT_PLATE


def reply(**fields: Any) -> str:
    """The model's JSON text: DEFAULT_PLATE updated with `fields`."""
    return json.dumps({**DEFAULT_PLATE, **fields})


def test_schema_covers_every_documented_field() -> None:
    assert list(FIELDS) == [
        "plate_number",
        "plate_date",
        "plate_text_color",
        "plate_background_color",
        "plate_icon",
        "plate_icon_color",
        "plate_blue_strip",
        "plate_type",
        "confidence_score",
    ]
    assert PLATE_JSON_SCHEMA["required"] == list(FIELDS) == list(PLATE_JSON_SCHEMA["properties"])
    assert PLATE_JSON_SCHEMA["properties"]["confidence_score"] == {
        **PLATE_JSON_SCHEMA["properties"]["confidence_score"],
        "type": "number",
        "minimum": 0,
        "maximum": 1,
    }


def test_prompt_knows_the_indonesian_layout() -> None:
    for needle in ("B 1234 CD", "08.29", "MM/YY", "free_trade_zone", "electric"):
        assert needle in SYSTEM_INSTRUCTION


def test_parses_a_full_reading() -> None:
    read = parse_plate_reply(reply())

    assert (read.text, read.date_text, read.confidence, read.provider) == ("B 1234 CD", "08/29", 0.95, "gemini")
    assert (read.text_color, read.background_color, read.icon, read.icon_color) == ("black", "white", "", "")
    assert (read.blue_strip, read.plate_type) == (False, "private")


def test_normalises_spacing_case_and_range() -> None:
    read = parse_plate_reply(
        reply(plate_number=" b  1234\tcd ", plate_text_color=" WHITE ", plate_blue_strip="YES", confidence_score=1.7)
    )

    assert (read.text, read.text_color, read.blue_strip, read.confidence) == ("B 1234 CD", "white", True, 1.0)


def test_unknown_values_become_unknown_instead_of_failing() -> None:
    read = parse_plate_reply(reply(plate_type="military", plate_text_color="", plate_background_color=""))

    assert (read.plate_type, read.text_color, read.background_color) == (None, None, None)


def test_an_unreadable_plate_is_a_valid_empty_reading() -> None:
    read = parse_plate_reply(reply(plate_number="", plate_date="", confidence_score=0))

    assert (read.text, read.date_text, read.confidence) == ("", "", 0.0)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "B 1234 CD",
        '```json\n{"plate_number": "B 1"}\n```',
        "[1, 2]",
        json.dumps({k: v for k, v in DEFAULT_PLATE.items() if k != "confidence_score"}),
        reply(plate_number=1234),
        reply(confidence_score="0.9"),
        reply(confidence_score=True),
        reply(plate_blue_strip="maybe"),
    ],
)
def test_unusable_text_is_a_bad_response(text: str | None) -> None:
    with pytest.raises(OcrError) as caught:
        parse_plate_reply(text)

    assert caught.value.reason == "OCR_BAD_RESPONSE"
