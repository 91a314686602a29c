"""ONNX export of the plate recognizer with the metadata the server reads back."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from server.ocr.recognizer_input import INPUT_HEIGHT, INPUT_WIDTH
from training.model import DATE_ALPHABET, NUMBER_ALPHABET

OPSET = 17
INPUT_NAME = "image"
OUTPUT_NAMES = ("number_probs", "date_probs")


def export_onnx(model: torch.nn.Module, path: Path, extra: dict[str, str]) -> None:
    """Write the model (opset 17, dynamic batch, softmax outputs) with metadata_props, then check it."""
    model.eval()
    example = torch.zeros(2, 1, INPUT_HEIGHT, INPUT_WIDTH)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        torch.onnx.export(
            model,
            (example,),
            str(raw),
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_NAMES),
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAMES[0]: {0: "batch"}, OUTPUT_NAMES[1]: {0: "batch"}},
            dynamo=False,
        )
        proto = onnx.load(str(raw))
    meta = {
        "alphabet": NUMBER_ALPHABET,
        "date_alphabet": DATE_ALPHABET,
        "blank_index": "0",
        "input_size": json.dumps([1, INPUT_HEIGHT, INPUT_WIDTH]),
        "input_format": "grey (OpenCV BGR2GRAY), resized to input_size, per-image (x - mean) / max(std, 8)",
        "outputs": "number_probs (N, T, 1+len(alphabet)), date_probs (N, T, 1+len(date_alphabet)); softmax, blank 0",
        "producer": "training/train_recognizer.py",
        **extra,
    }
    del proto.metadata_props[:]
    for key, value in sorted(meta.items()):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(path))
    _check_parity(model, path)


def _check_parity(model: torch.nn.Module, path: Path) -> None:
    """The ONNX file must give the torch model's probabilities (batch of 3, so batch is dynamic)."""
    x = torch.randn(3, 1, INPUT_HEIGHT, INPUT_WIDTH, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = [t.numpy() for t in model(x)]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(list(OUTPUT_NAMES), {INPUT_NAME: x.numpy()})
    for e, g in zip(expected, got, strict=True):
        if not np.allclose(e, g, atol=1e-4):
            raise RuntimeError(f"ONNX export differs from torch by {np.abs(e - g).max():.2e}")
