"""Raw onnxruntime YOLOv8n 640x640 inference: the unit of the latency-ratio target."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from bench.stats import Json, summarize
from server.detection.letterbox import letterbox, to_input_tensor
from server.domain import Image


def make_session(path: Path, intra_op_threads: int, inter_op_threads: int = 1,
                 spinning: bool = True) -> ort.InferenceSession:
    """A CPU session configured as OnnxDetector configures its own (plus the spinning switch)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = inter_op_threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def input_tensor(image: Image, size: int = 640) -> npt.NDArray[np.float32]:
    """A real photo letterboxed to size x size as the detector feeds it."""
    padded, _ = letterbox(image, (size, size))
    return to_input_tensor([padded])


def time_run(session: ort.InferenceSession, tensor: npt.NDArray[np.float32]) -> float:
    """Milliseconds of one session.run."""
    name = session.get_inputs()[0].name
    start = time.perf_counter()
    session.run(None, {name: tensor})
    return (time.perf_counter() - start) * 1e3


def raw_inference(path: Path, image: Image, iters: int, intra_op_threads: int, inter_op_threads: int = 1) -> Json:
    """p50/p95 of session.run on one real 640x640 input, after 3 warm-up runs."""
    session = make_session(path, intra_op_threads, inter_op_threads)
    tensor = input_tensor(image)
    for _ in range(3):
        time_run(session, tensor)
    times = [time_run(session, tensor) for _ in range(iters)]
    return {
        "model": path.name,
        "input": list(tensor.shape),
        "intra_op_threads": intra_op_threads,
        "inter_op_threads": inter_op_threads,
        "providers": session.get_providers(),
        "latency_ms": summarize(times),
    }
