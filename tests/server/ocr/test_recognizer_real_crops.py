"""The recognizer on real Indonesian plate crops (../shared/data), with an exact-match floor that can fail.

The floor sits a few points under what was measured when it was set (see FLOOR), so a real
regression fails while a one-plate wobble does not. Evaluation data only: nothing here tunes anything.
"""

from __future__ import annotations

import pytest

from server.domain import Image
from server.ocr.cascade import CascadeOcrProvider
from server.ocr.local import LocalOcrProvider
from server.ocr.plate_recognizer import PlateRecognizerProvider
from server.plates.metrics import is_exact
from server.plates.recognize import recognize
from tests.conftest import plate_crops

SET = "indonesia-ilpr-platecrops"
FLOOR = 0.86  # measured 0.895 (51/57) on the verifiable crops with recognizer 3.0.0 (1.1.0: 50/57)
CASCADE_FLOOR = 0.86  # measured 0.895 (51/57; PP-OCR alone 52/57) with 1.1.0 and with 3.0.0
US_SET = "openalpr-us-platecrops"
US_SAMPLE = 60  # the first plates of the US set: the cascade must read as many as PP-OCR alone

pytestmark = pytest.mark.slow


def test_exact_match_floor_on_indonesian_crops(recognizer: PlateRecognizerProvider) -> None:
    samples = plate_crops(SET)
    reads = recognizer.read([image for image, _ in samples])  # one call: the batched path
    pairs = zip(samples, reads, strict=True)
    hits = sum(is_exact(recognize(image, read).plate_number, truth) for (image, truth), read in pairs)
    rate = hits / len(samples)
    assert rate >= FLOOR, f"{hits}/{len(samples)} = {rate:.1%} exact, floor {FLOOR:.0%}"


@pytest.fixture(scope="module")
def ppocr() -> LocalOcrProvider:
    return LocalOcrProvider(intra_op_threads=1)


def _exact(reader: CascadeOcrProvider | LocalOcrProvider, samples: list[tuple[Image, str]]) -> tuple[int, set[str]]:
    reads = [reader.read([image])[0] for image, _ in samples]
    pairs = zip(samples, reads, strict=True)
    hits = sum(is_exact(recognize(image, read).plate_number, truth) for (image, truth), read in pairs)
    return hits, {read.provider for read in reads}


def test_cascade_floor_on_indonesian_crops(recognizer: PlateRecognizerProvider, ppocr: LocalOcrProvider) -> None:
    samples = plate_crops(SET)
    hits, providers = _exact(CascadeOcrProvider(recognizer, ppocr), samples)
    assert hits / len(samples) >= CASCADE_FLOOR, f"{hits}/{len(samples)} exact, floor {CASCADE_FLOOR:.0%}"
    assert providers == {"recognizer", "local"}  # both readers take part


def test_cascade_loses_nothing_on_us_plates(recognizer: PlateRecognizerProvider, ppocr: LocalOcrProvider) -> None:
    samples = plate_crops(US_SET, US_SAMPLE)
    cascade, _ = _exact(CascadeOcrProvider(recognizer, ppocr), samples)
    alone, _ = _exact(ppocr, samples)
    assert cascade >= alone, f"cascade {cascade} vs PP-OCR {alone} of {len(samples)}"
