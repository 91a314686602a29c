"""ocr.local_reader picks the offline reader the service builds: the cascade by default, or PP-OCR alone."""

from __future__ import annotations

from pathlib import Path

from server.bootstrap import _load_local_ocr
from server.config import DEFAULT_CONFIG, OcrSettings, load_settings
from server.ocr.cascade import DEFAULT_MIN_CONFIDENCE, CascadeOcrProvider
from server.ocr.local import LocalOcrProvider
from server.ocr.plate_recognizer import DEFAULT_MODEL, PlateRecognizerProvider


def _settings(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    model = str(DEFAULT_MODEL)  # outputs go under tmp_path; the model stays in the repository
    return load_settings(DEFAULT_CONFIG, environ={"GALAXY_ALPR__BASE_DIR": str(tmp_path),
                                                  "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": model, **env},
                         dotenv=tmp_path / "no.env")


def test_default_is_the_recognizer_backed_by_ppocr(tmp_path: Path, model_path: Path) -> None:
    errors: dict[str, str] = {}
    reader = _load_local_ocr(_settings(tmp_path), errors)
    assert isinstance(reader, CascadeOcrProvider)
    assert isinstance(reader.primary, PlateRecognizerProvider) and isinstance(reader.fallback, LocalOcrProvider)
    assert reader.min_confidence == DEFAULT_MIN_CONFIDENCE == OcrSettings().recognizer_min_confidence
    assert not errors
    assert "plate_recognizer.onnx" in reader.status().model_name


def test_threshold_comes_from_the_settings(tmp_path: Path, model_path: Path) -> None:
    reader = _load_local_ocr(_settings(tmp_path, GALAXY_ALPR__OCR__RECOGNIZER_MIN_CONFIDENCE="0.9"), {})
    assert isinstance(reader, CascadeOcrProvider) and reader.min_confidence == 0.9


def test_a_missing_recognizer_model_leaves_ppocr_reading_and_says_why(tmp_path: Path) -> None:
    errors: dict[str, str] = {}
    reader = _load_local_ocr(_settings(tmp_path, GALAXY_ALPR__MODELS__PLATE_RECOGNIZER="nope.onnx"), errors)
    assert isinstance(reader, LocalOcrProvider)
    assert "nope.onnx" in errors["plate_recognizer"]


def test_ppocr_alone_when_configured(tmp_path: Path) -> None:
    reader = _load_local_ocr(_settings(tmp_path, GALAXY_ALPR__OCR__LOCAL_READER="ppocr"), {})
    assert isinstance(reader, LocalOcrProvider)
