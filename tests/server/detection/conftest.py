"""Fixtures for the detection tests: prepared models, real photos and a tiny synthetic ONNX model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_ROOT = REPO_ROOT / ".." / "shared" / "data"
MODELS_DIR = REPO_ROOT / "models"
VEHICLE_CLASSES = ("car", "motorcycle", "bus", "truck")


def prepared_model(name: str) -> Path:
    """A model built by `python -m server.models.prepare`, or skip."""
    path = MODELS_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: run `python -m server.models.prepare`")
    return path


def find_photos(data_set: str, count: int) -> list[Path]:
    """The first `count` photos of a ../shared/data set, or skip when the set is absent."""
    folder = DATA_ROOT / data_set
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not files:
        pytest.skip(f"real photos {folder.resolve()} are absent (../shared/data beside the checkout)")
    return files[:count]


@pytest.fixture(scope="session")
def photos() -> Callable[[str, int], list[Path]]:
    """Factory: the first photos of a ../shared/data set (skips when absent)."""
    return find_photos


@pytest.fixture(scope="session")
def vehicle_classes() -> tuple[str, ...]:
    """The classes the service keeps from the vehicle detector."""
    return VEHICLE_CLASSES


@pytest.fixture(scope="session")
def vehicle_model() -> Path:
    """models/vehicle_detector.onnx."""
    return prepared_model("vehicle_detector.onnx")


@pytest.fixture(scope="session")
def plate_model() -> Path:
    """models/plate_detector.onnx."""
    return prepared_model("plate_detector.onnx")


def build_constant_model(
    path: Path, output: np.ndarray, *, names: str = '{"0": "a", "1": "b"}', size: int = 64
) -> Path:
    """An ONNX model with a fixed (1, 3, size, size) input that always returns `output` (1, 4+nc, N)."""
    onnx = pytest.importorskip("onnx", reason="building a synthetic model needs the onnx package")
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("ReduceSum", ["images"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["constant", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
        initializer=[
            numpy_helper.from_array(output.astype(np.float32), "constant"),
            numpy_helper.from_array(np.zeros((), np.float32), "zero"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in {
        "names": names,
        "imgsz": f"[{size}, {size}]",
        "stride": "32",
        "task": "detect",
        "source": "test:constant",
    }.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path


@pytest.fixture
def constant_model(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a synthetic ONNX model returning a chosen raw output."""

    def make(output: np.ndarray, **kwargs: object) -> Path:
        return build_constant_model(tmp_path / "constant.onnx", output, **kwargs)  # type: ignore[arg-type]

    return make
