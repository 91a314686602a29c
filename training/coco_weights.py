"""The COCO YOLOv8n the service ships as ONNX, loaded back into an ultralytics PyTorch model.

No COCO `.pt` is installed from a registry package here; the ONNX (`vehicle_detector.onnx`, pinned in
`server/models/manifest.py`) keeps every weight, with each batch norm folded into the convolution
before it (`model.N...conv.weight` and `.conv.bias`). Loading puts the folded weights into the
convolutions and turns each batch norm into an identity that adds the folded bias (mean 0, variance
1 - eps, scale 1): in eval mode the network computes what the ONNX computes (`max_output_difference`
checks it). Train such a model only with those batch norms frozen (ultralytics freezes the statistics of
frozen layers).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper

COCO_CLASSES = 80
# ultralytics' YOLOv8 layout at the 'n' scale; `layers` rows are [from, repeats, module, args].
YOLOV8N_SCALE = "n"


def yolov8_config(nc: int, extra_head: list[list[Any]] | None = None,
                  detect_from: list[int] | None = None) -> dict[str, Any]:
    """ultralytics' yolov8.yaml as a dict at scale n, with `nc` classes and optional extra head layers.

    `extra_head` rows go between the neck (layers 0-21) and the Detect layer, which then reads
    `detect_from` (default the stock [15, 18, 21]).
    """
    utils: Any = importlib.import_module("ultralytics.utils")
    root = Path(importlib.import_module("ultralytics").__file__ or "").parent
    cfg: dict[str, Any] = utils.YAML.load(root / "cfg" / "models" / "v8" / "yolov8.yaml")
    cfg["nc"], cfg["scale"] = nc, YOLOV8N_SCALE
    head = [list(row) for row in cfg["head"]]
    detect = head.pop()
    head.extend(extra_head or [])
    detect[0] = detect_from or detect[0]
    head.append(detect)
    cfg["head"] = head
    return cfg


def _onnx_weights(path: Path) -> dict[str, np.ndarray]:
    graph = onnx.load(str(path)).graph
    return {t.name: np.array(numpy_helper.to_array(t)) for t in graph.initializer if t.name.startswith("model.")}


def load_folded(model: Any, path: Path, *, places: Callable[[str], list[str]] | None = None,
                sliced: Callable[[str], bool] | None = None) -> int:
    """Copy the folded ONNX weights of `path` into `model` (an ultralytics DetectionModel); returns the count.

    `places` maps an ONNX tensor name to the model names that receive it (default: the same name; an
    empty list skips the tensor). Where `sliced(target)` holds, a tensor larger than its place fills it
    with its leading channels (a narrower head started from a wider one). ValueError when a target has no
    place or another shape in the model.
    """
    weights = _onnx_weights(path)
    params = dict(model.named_parameters())
    modules = dict(model.named_modules())
    copied = 0
    with torch.no_grad():
        for name, array in weights.items():
            for target in (places(name) if places else [name]):
                fits = sliced is not None and sliced(target)
                copied += _load_one(target, array, params, modules, path, fits)
    return copied


def _leading(tensor: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    if tensor.ndim != len(shape) or any(t < s for t, s in zip(tensor.shape, shape, strict=True)):
        raise ValueError(f"cannot take {shape} from {tuple(tensor.shape)}")
    return tensor[tuple(slice(0, s) for s in shape)]


def _load_one(name: str, array: np.ndarray, params: dict[str, Any], modules: dict[str, Any], path: Path,
              fits: bool) -> int:
    tensor = torch.from_numpy(array)
    if fits and name in params:
        tensor = _leading(tensor, tuple(params[name].shape))
    elif fits and name.endswith(".conv.bias"):
        norm = modules.get(name[: -len(".conv.bias")] + ".bn")
        if isinstance(norm, torch.nn.BatchNorm2d):
            tensor = _leading(tensor, tuple(norm.bias.shape))
    if name in params:  # a plain convolution (the Detect head's last layers) or a conv weight
        if tuple(params[name].shape) != tuple(tensor.shape):
            raise ValueError(f"{path}: {name} has shape {tuple(tensor.shape)}, the model {tuple(params[name].shape)}")
        params[name].copy_(tensor)
        return 1
    if name.endswith(".conv.bias"):  # a folded batch norm: the bias goes to the identity norm after the conv
        norm = modules.get(name[: -len(".conv.bias")] + ".bn")
        if not isinstance(norm, torch.nn.BatchNorm2d) or norm.bias.shape != tensor.shape:
            raise ValueError(f"{path}: {name} has no batch norm of shape {tuple(tensor.shape)} in the model")
        norm.weight.fill_(1.0)
        norm.bias.copy_(tensor)
        assert norm.running_mean is not None and norm.running_var is not None
        norm.running_mean.zero_()
        norm.running_var.fill_(1.0 - norm.eps)
        return 1
    raise ValueError(f"{path}: the model has no place for {name}")


def coco_model(path: Path) -> Any:
    """The 80-class COCO YOLOv8n of `path` as an ultralytics DetectionModel in eval mode."""
    tasks: Any = importlib.import_module("ultralytics.nn.tasks")
    model = tasks.DetectionModel(yolov8_config(COCO_CLASSES), nc=COCO_CLASSES, verbose=False)
    load_folded(model, path)
    return model.eval()


def max_output_difference(model: Any, path: Path, size: tuple[int, int] = (640, 640), seed: int = 0) -> float:
    """Largest absolute difference between `model` and the ONNX at `path` on one random input."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    x = rng.random((1, 3, *size), dtype=np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: x})[0]
    with torch.no_grad():
        got = model(torch.from_numpy(x))
    got = got[0] if isinstance(got, (list, tuple)) else got
    return float(np.abs(got.numpy() - expected).max())
