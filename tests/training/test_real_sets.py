"""Real training data (../shared/data *-train sets): labels follow the grammar, the split is by text,
and the committed calibration is calibrated on the recognizer's validation reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("cv2")

from server.ocr.cascade import CascadeOcrProvider
from server.ocr.plate_recognizer import DEFAULT_MODEL, PlateRecognizerProvider
from server.plates.calibration import Calibration, expected_calibration_error
from server.plates.metrics import is_exact
from server.plates.recognize import recognize
from server.plates.validity import DEFAULT_FORMATS, is_indonesian_plate
from training.real_data import TRAIN_SETS, fixed_crop, is_validation, load_sets

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
CALIBRATION = REPO / "models" / "confidence_calibration.json"

pytestmark = pytest.mark.skipif(
    not all((DATA / name / "labels.jsonl").is_file() for name in TRAIN_SETS),
    reason=f"the *-train sets are not under {DATA} (../shared/data is absent)",
)


def _texts(name: str) -> list[str]:
    lines = (DATA / name / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [p["text"] for line in lines if line.strip() for p in json.loads(line)["plates"]]


@pytest.mark.parametrize("name", TRAIN_SETS)
def test_training_labels_are_valid_indonesian_plates(name: str) -> None:
    texts = _texts(name)
    invalid = [t for t in texts if not is_indonesian_plate(t)]
    assert len(invalid) <= 0.01 * len(texts), invalid[:10]
    assert all(DEFAULT_FORMATS.plate_valid(t) for t in texts if t not in invalid)


@pytest.mark.parametrize("name", TRAIN_SETS)
def test_validation_split_is_by_text(name: str) -> None:
    texts = set(_texts(name))
    held = {t for t in texts if is_validation(t)}
    assert 0.08 * len(texts) < len(held) < 0.25 * len(texts)


@pytest.fixture(scope="module")
def recognizer() -> PlateRecognizerProvider:
    if not DEFAULT_MODEL.is_file():
        pytest.skip(f"{DEFAULT_MODEL} is absent")
    return PlateRecognizerProvider(DEFAULT_MODEL, intra_op_threads=1)


def test_calibration_belongs_to_the_committed_model() -> None:
    if not CALIBRATION.is_file():
        pytest.skip(f"{CALIBRATION} is absent")
    import hashlib

    data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    assert data["model_sha256"] == hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()


def test_calibrated_recognizer_reads_are_calibrated(recognizer: PlateRecognizerProvider) -> None:
    """The cascade's accepted recognizer reads of the validation split: calibrated ECE within 0.1."""
    if not CALIBRATION.is_file():
        pytest.skip(f"{CALIBRATION} is absent")
    calibration = Calibration.load(CALIBRATION)
    items = [it for it in load_sets(DATA) if is_validation(it.text)]
    crops = [fixed_crop(it) for it in items]
    cascade = CascadeOcrProvider(recognizer, recognizer)
    pairs = []
    for crop, item, read in zip(crops, items, recognizer.read(crops), strict=True):
        if not cascade.accepts(read):
            continue
        reading = recognize(crop, read)
        valid = DEFAULT_FORMATS.plate_valid(reading.plate_number)
        pairs.append((calibration.confidence(read.confidence, read.provider, valid),
                      is_exact(reading.plate_number, item.text)))
    assert len(pairs) > 100
    accuracy = sum(ok for _, ok in pairs) / len(pairs)
    assert accuracy > 0.85
    assert expected_calibration_error(pairs) <= 0.1
