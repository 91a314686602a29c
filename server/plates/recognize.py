"""One plate's final reading: the OCR read + colours (from the provider or the pixels) + rules."""

from __future__ import annotations

from dataclasses import replace

from server.domain import Image, OcrRead, OtherRead, PlateColors, PlateReading
from server.plates.colors import measure_colors, plate_type
from server.plates.identity import normalise
from server.plates.rules import PlateText, interpret, parse_date


def _alternatives(read: OcrRead, length: int) -> list[str]:
    """Per position, the first candidate character that differs from the main read ("" if none)."""
    main = normalise(read.text)
    alts = [""] * length
    for candidate in read.candidates:
        text = normalise(candidate.text)
        if len(text) != length or text == main:
            continue
        for i, (a, b) in enumerate(zip(text, main, strict=True)):
            if a != b and not alts[i]:
                alts[i] = a
    return alts


def interpret_read(read: OcrRead) -> PlateText:
    """The rules applied to a read, using its character confidences and runner-up characters."""
    text = normalise(read.text)
    probs = [c.confidence for c in read.chars] if len(read.chars) == len(text) else []
    return interpret(text, probs, _alternatives(read, len(text)))


def _colors(crop: Image, read: OcrRead, colors: PlateColors | None) -> PlateColors:
    if read.background_color and read.text_color and read.blue_strip is not None:
        return PlateColors(read.background_color, read.text_color, read.blue_strip)
    measured = colors or measure_colors(crop)
    return PlateColors(
        background=read.background_color or measured.background,
        text=read.text_color or measured.text,
        blue_strip=measured.blue_strip if read.blue_strip is None else read.blue_strip,
    )


def _other_reads(read: OcrRead) -> tuple[OtherRead, ...]:
    """The unchosen read of a cascade, interpreted by the same rules (none when it read nothing)."""
    other = read.second_read
    if other is None or not other.text:
        return ()
    verdict = interpret_read(other)
    if not verdict.plate_number:
        return ()
    return (OtherRead(verdict.plate_number, other.confidence, other.provider, verdict.is_indonesian),)


def recognize(crop: Image, read: OcrRead, colors: PlateColors | None = None) -> PlateReading:
    """Combine an OCR read, the plate's colours (measured when the provider gave none) and the rules."""
    verdict = interpret_read(read)
    measured = _colors(crop, read, colors)
    return PlateReading(
        plate_number=verdict.plate_number,
        raw_text=read.text,
        plate_date=parse_date(read.date_text),
        confidence=read.confidence,
        provider=read.provider,
        text_color=measured.text,
        background_color=measured.background,
        icon=read.icon or "",
        icon_color=read.icon_color or "",
        blue_strip=measured.blue_strip,
        plate_type=read.plate_type or plate_type(measured.background, measured.text, verdict.region_code),
        region_code=verdict.region_code,
        region_name=verdict.region_name,
        region_area=verdict.region_area,
        is_indonesian=verdict.is_indonesian,
        candidates=read.candidates,
        char_confidences=tuple(c.confidence for c in read.chars),
        other_reads=_other_reads(read),
    )


def ocr_only(crop: Image, read: OcrRead, colors: PlateColors | None = None) -> PlateReading:
    """Like recognize() but without region mapping (the OCR-only endpoint)."""
    return replace(recognize(crop, read, colors), region_code="", region_name="", region_area="")
