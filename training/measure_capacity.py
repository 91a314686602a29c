"""Latency of recognizer variants (architecture, input size, network width) under onnxruntime, one crop per run.

Usage: python training/measure_capacity.py [--runs 200]
Weights do not change the cost, so untrained networks are exported and timed; what a variant would
gain in accuracy needs a training run of its own (training/train_recognizer.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from torch import nn  # noqa: E402

from training.model import PlateRecognizer, PlateTransformer  # noqa: E402

VARIANTS: tuple[tuple[str, int, int, nn.Module], ...] = (
    ("CRNN (committed): 48x144, widths 32-112, LSTM 112", 48, 144, PlateRecognizer()),
    ("CRNN wider: 48x144, widths 40-128, LSTM 128", 48, 144, PlateRecognizer(hidden=128, widths=(40, 64, 96, 128))),
    ("CRNN taller input: 64x192", 64, 192, PlateRecognizer(height=64)),
    ("CCT: 48x144, conv tokenizer 32-48, 3 layers x 96", 48, 144, PlateTransformer()),
    ("CCT deeper: 48x144, 4 layers x 128", 48, 144, PlateTransformer(dim=128, layers=4)),
)


def session(path: Path, threads: int) -> ort.InferenceSession:
    """A CPU session with `threads` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main(argv: list[str] | None = None) -> int:
    """Print parameters and p50 latency of each variant (variants interleaved, so load hits all alike)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per variant")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        runners = []
        for i, (label, height, width, model) in enumerate(VARIANTS):
            model.eval()
            path = Path(tmp) / f"variant{i}.onnx"
            torch.onnx.export(model, (torch.zeros(1, 1, height, width),), str(path), input_names=["image"],
                              output_names=["number", "date"], opset_version=17, dynamo=False)
            x = np.random.default_rng(0).standard_normal((1, 1, height, width)).astype(np.float32)
            runners.append((label, sum(p.numel() for p in model.parameters()), session(path, args.threads), x))
        times: list[list[float]] = [[] for _ in runners]
        for _ in range(args.runs // 10):
            for k, (_, _, sess, x) in enumerate(runners):
                name = sess.get_inputs()[0].name
                for _ in range(10):
                    start = time.perf_counter()
                    sess.run(None, {name: x})
                    times[k].append((time.perf_counter() - start) * 1000)
    print("| variant | parameters | p50 ms (1 crop) |\n|---|---|---|")
    for (label, params, _, _), t in zip(runners, times, strict=True):
        print(f"| {label} | {params / 1e6:.2f} M | {float(np.median(t)):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
