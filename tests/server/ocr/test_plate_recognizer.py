"""PlateRecognizerProvider and its ONNX file: metadata, batching, the OcrRead it returns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from server.domain import OcrRead
from server.errors import ModelUnavailableError
from server.ocr.base import OcrProvider
from server.ocr.plate_recognizer import PlateRecognizerProvider, format_date, read_metadata

pytest.importorskip("PIL", reason="test crops come from the synthetic generator (pillow)")

from training.synth import SynthConfig, generate_batch


def test_metadata_is_complete(model_path: Path) -> None:
    model = onnx.load(str(model_path))
    meta = {p.key: p.value for p in model.metadata_props}
    for key in ("alphabet", "date_alphabet", "input_size", "version", "training_data_hash", "generator_seed"):
        assert meta.get(key), key
    assert meta["alphabet"] == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert json.loads(meta["input_size"])[0] == 1
    assert len(meta["training_data_hash"]) == 64
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) <= 17


def test_batch_axis_is_dynamic_and_file_is_small(model_path: Path) -> None:
    model = onnx.load(str(model_path))
    first = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert first.dim_param and not first.dim_value
    assert model_path.stat().st_size < 8_000_000


def test_metadata_without_alphabet_is_refused() -> None:
    with pytest.raises(ModelUnavailableError, match="alphabet"):
        read_metadata({"input_size": "[1, 48, 144]"}, Path("x.onnx"))


def test_is_an_ocr_provider(recognizer: PlateRecognizerProvider) -> None:
    assert isinstance(recognizer, OcrProvider)
    assert recognizer.name == "recognizer"
    assert recognizer.status().available


def test_batched_read_equals_one_by_one(recognizer: PlateRecognizerProvider) -> None:
    crops = [s.image for s in generate_batch(21, 6, SynthConfig(us_fraction=0.0))]
    together = recognizer.read(crops)
    alone = [recognizer.read([c])[0] for c in crops]
    assert [r.text for r in together] == [r.text for r in alone]
    assert [r.confidence for r in together] == pytest.approx([r.confidence for r in alone], abs=1e-3)


def test_read_fields(recognizer: PlateRecognizerProvider) -> None:
    reads = recognizer.read([s.image for s in generate_batch(22, 8, SynthConfig(us_fraction=0.0))])
    assert len(reads) == 8
    for read in reads:
        assert isinstance(read, OcrRead)
        assert read.provider == "recognizer"
        assert "".join(c.char for c in read.chars) == read.text
        if read.chars:
            assert read.confidence == pytest.approx(min(c.confidence for c in read.chars), abs=1e-4)
            assert read.candidates and read.candidates[0].text == read.text
        assert 0.0 <= read.confidence <= 1.0


def test_reads_clean_synthetic_plates(recognizer: PlateRecognizerProvider) -> None:
    samples = generate_batch(23, 30, SynthConfig(us_fraction=0.0))
    reads = recognizer.read([s.image for s in samples])
    hits = sum(r.text.replace("O", "0") == s.label.replace("O", "0") for r, s in zip(reads, samples, strict=True))
    assert hits >= 18, f"{hits}/30 synthetic plates read exactly"


def test_unusable_crops_give_empty_reads(recognizer: PlateRecognizerProvider) -> None:
    reads = recognizer.read([np.zeros((2, 2, 3), np.uint8), np.zeros((0, 10, 3), np.uint8)])
    assert [(r.text, r.confidence) for r in reads] == [("", 0.0), ("", 0.0)]
    assert recognizer.read([]) == []


@pytest.mark.parametrize(("digits", "printed"), [("0829", "08.29"), ("082", "082"), ("", "")])
def test_format_date(digits: str, printed: str) -> None:
    assert format_date(digits) == printed
