"""What we ask Gemini about one plate crop (prompt + JSON schema) and how we read its answer."""

from __future__ import annotations

import json
import math
from typing import Any

from server.domain import OcrRead
from server.errors import OcrError
from server.ocr.gemini_errors import BAD_RESPONSE

PROVIDER_NAME = "gemini"
PLATE_TYPES = ("private", "public", "government", "free_trade_zone", "diplomatic")
FIELDS = (
    "plate_number",
    "plate_date",
    "plate_text_color",
    "plate_background_color",
    "plate_icon",
    "plate_icon_color",
    "plate_blue_strip",
    "plate_type",
    "confidence_score",
)

_COLOUR = "lowercase basic English colour name (black, white, yellow, red, green, blue, silver...)"

PLATE_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "plate_number": {
            "type": "string",
            "description": "Top row as printed: region code, number, suffix, separated by single spaces, "
            "capital letters, e.g. 'B 1234 CD'. '' when no plate is legible.",
        },
        "plate_date": {
            "type": "string",
            "description": "Bottom row (validity month and year) written MM/YY, e.g. '08/29'. "
            "'' when absent or unreadable.",
        },
        "plate_text_color": {"type": "string", "description": f"Colour of the characters: {_COLOUR}."},
        "plate_background_color": {"type": "string", "description": f"Plate background: {_COLOUR}."},
        "plate_icon": {
            "type": "string",
            "description": "Emblem or logo printed on the plate itself (e.g. 'police', 'electric vehicle'); "
            "'' when none.",
        },
        "plate_icon_color": {"type": "string", "description": f"The emblem's colour: {_COLOUR}; '' when none."},
        "plate_blue_strip": {
            "type": "string",
            "enum": ["yes", "no"],
            "description": "'yes' when the plate carries the blue electric-vehicle strip or mark.",
        },
        "plate_type": {"type": "string", "enum": list(PLATE_TYPES)},
        "confidence_score": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Probability that plate_number is exactly right.",
        },
    },
    "required": list(FIELDS),
    "propertyOrdering": list(FIELDS),
    "additionalProperties": False,
}

SYSTEM_INSTRUCTION = """\
You read Indonesian vehicle number plates (TNKB) from a photo cropped around one plate. \
Answer only with JSON matching the response schema.

Layout of an Indonesian plate:
- Top row, large: the registration number = region code (1-2 letters), number (1-4 digits), \
suffix (0-3 letters). Write it in capitals with single spaces between the groups: "B 1234 CD", \
"DK 567 AB", "AB 12 C", "L 1234".
- Bottom row, small: validity month and year, two digits each, printed like "08.29" (valid until \
August 2029). Write it as "MM/YY" ("08/29"); "" when there is no bottom row or it is unreadable.
- Ignore the frame, dealer stickers, bolts and any text outside the plate.

Read character by character and use the position: the region code and suffix are letters, the \
number is digits, so O/0, I/1, B/8, S/5, Z/2, G/6 and D/0 are decided by where they stand. \
Never invent characters; when one is unclear give your best guess and lower confidence_score. \
When no plate is legible answer plate_number "" with confidence_score 0.

Colours and types (Perpol 7/2021): white background with black text, or black with white text = \
"private"; yellow with black text = "public"; red with white text = "government"; green with black \
text = "free_trade_zone"; white with blue text, or the CD / CC series = "diplomatic". A blue strip \
or blue mark on the plate (electric vehicle) means plate_blue_strip "yes", otherwise "no".
confidence_score is your probability (0 to 1) that plate_number is exactly right."""

USER_PROMPT = "Read this Indonesian number plate."


def _bad(message: str) -> OcrError:
    return OcrError(f"Gemini answered with an unusable plate reading: {message}", reason=BAD_RESPONSE)


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise _bad(f"{key} is {type(value).__name__}, not a string")
    return " ".join(value.split())


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(f"confidence_score is {value!r}, not a number")
    return min(1.0, max(0.0, float(value)))


def _blue_strip(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
        return value.strip().lower() == "yes"
    raise _bad(f"plate_blue_strip is {value!r}, not 'yes' or 'no'")


def parse_plate_reply(text: str | None) -> OcrRead:
    """Turn the model's JSON text into an OcrRead; OcrError(OCR_BAD_RESPONSE) when it is unusable."""
    if not text or not text.strip():
        raise _bad("no text (empty or blocked answer)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(f"not JSON ({exc.msg} at {exc.pos}): {text[:80]!r}") from exc
    if not isinstance(data, dict):
        raise _bad(f"expected a JSON object, got {type(data).__name__}")
    missing = [key for key in FIELDS if key not in data]
    if missing:
        raise _bad(f"missing fields {missing}")
    plate_type = _text(data, "plate_type").lower()
    return OcrRead(
        text=_text(data, "plate_number").upper(),
        confidence=_confidence(data["confidence_score"]),
        provider=PROVIDER_NAME,
        date_text=_text(data, "plate_date"),
        text_color=_text(data, "plate_text_color").lower() or None,
        background_color=_text(data, "plate_background_color").lower() or None,
        icon=_text(data, "plate_icon").lower(),
        icon_color=_text(data, "plate_icon_color").lower(),
        blue_strip=_blue_strip(data["plate_blue_strip"]),
        plate_type=plate_type if plate_type in PLATE_TYPES else None,
    )
