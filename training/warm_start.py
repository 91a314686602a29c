"""Start training from an exported recognizer: its ONNX weights loaded back into PlateRecognizer.

The export folds each batch norm into the convolution before it, so the convolutions get the folded
weights and biases and the batch norms become identities whose statistics stay frozen (`freeze_norms`)
while fine-tuning. ONNX's LSTM gate order (input, output, forget, cell) is put back into torch's
(input, forget, cell, output).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from training.model import PlateRecognizer


def _convs_with_norms(model: PlateRecognizer) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """Every (conv, batch norm) pair in the order the export writes them."""
    pairs: list[tuple[nn.Conv2d, nn.BatchNorm2d]] = []
    for module in (model.backbone, model.number_collapse, model.date_collapse):
        layers = list(module.modules())
        for a, b in itertools.pairwise(layers):
            if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                pairs.append((a, b))
    return pairs


def _lstm_gates(w: np.ndarray) -> np.ndarray:
    """ONNX (i, o, f, c) blocks along axis 0 -> torch (i, f, c, o)."""
    i, o, f, c = np.split(w, 4, axis=0)
    return np.concatenate([i, f, c, o], axis=0)


def load_onnx_weights(model: PlateRecognizer, path: Path) -> None:
    """Copy the weights of an exported recognizer into `model` (same architecture); ValueError otherwise."""
    graph = onnx.load(str(path)).graph
    init = {t.name: np.array(numpy_helper.to_array(t)) for t in graph.initializer}
    conv_inputs = [n.input[1:] for n in graph.node if n.op_type == "Conv" and n.input[1] in init]
    folded = [(init[w], init[b]) for w, b in conv_inputs if init[w].ndim == 4]
    pairs = _convs_with_norms(model)
    if len(folded) != len(pairs):
        raise ValueError(f"{path}: {len(folded)} folded convolutions, the model has {len(pairs)}")
    with torch.no_grad():
        for (conv, norm), (weight, bias) in zip(pairs, folded, strict=True):
            if tuple(conv.weight.shape) != weight.shape:
                raise ValueError(f"{path}: conv shape {weight.shape} against {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(weight))
            norm.weight.fill_(1.0)
            norm.bias.copy_(torch.from_numpy(bias))
            norm.running_mean = torch.zeros_like(norm.bias)
            norm.running_var = torch.full_like(norm.bias, 1.0 - norm.eps)
        lstm = next(n for n in graph.node if n.op_type == "LSTM")
        w, r, b = (init[name] for name in lstm.input[1:4])
        hidden = model.number_rnn.hidden_size
        for d, suffix in enumerate(("", "_reverse")):
            getattr(model.number_rnn, f"weight_ih_l0{suffix}").copy_(torch.from_numpy(_lstm_gates(w[d])))
            getattr(model.number_rnn, f"weight_hh_l0{suffix}").copy_(torch.from_numpy(_lstm_gates(r[d])))
            getattr(model.number_rnn, f"bias_ih_l0{suffix}").copy_(torch.from_numpy(_lstm_gates(b[d][: 4 * hidden])))
            getattr(model.number_rnn, f"bias_hh_l0{suffix}").copy_(torch.from_numpy(_lstm_gates(b[d][4 * hidden :])))
        matmul = next(n for n in graph.node if n.op_type == "MatMul" and n.input[1] in init)
        model.number_fc.weight.copy_(torch.from_numpy(init[matmul.input[1]].T.copy()))
        model.number_fc.bias.copy_(torch.from_numpy(init["number_fc.bias"]))
        for name in ("date_conv.0.weight", "date_conv.0.bias", "date_conv.2.weight", "date_conv.2.bias",
                     "date_fc.weight", "date_fc.bias"):
            model.get_parameter(name).copy_(torch.from_numpy(init[name]))
    model.frozen_norms = True
