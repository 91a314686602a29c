"""Alternative detectors for the experiments: other thread counts, spinning, input sizes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.raw import make_session
from server.config import RuntimeSettings
from server.detection.onnx_detector import OnnxDetector

VEHICLE_CLASSES = ("car", "motorcycle", "bus", "truck")


def detector(path: Path, *, intra_op_threads: int, class_filter: tuple[str, ...] | None = None,
             imgsz: int | None = None, rect: bool = False, spinning: bool = True) -> OnnxDetector:
    """An OnnxDetector with the given threads; imgsz/rect need a dynamic-shape model.

    The input size and the spinning switch have no constructor argument, so they are set on the
    built object (bench only: the server builds its detectors from settings).
    """
    runtime = RuntimeSettings(intra_op_threads=intra_op_threads, inter_op_threads=1,
                              execution_providers=("CPUExecutionProvider",))
    det = OnnxDetector(path, runtime=runtime, class_filter=class_filter, auto_pad=rect)
    if imgsz is not None:
        det._info = replace(det.info, imgsz=(imgsz, imgsz))
    if not spinning:
        det._session = make_session(path, intra_op_threads, 1, spinning=False)
    det.warmup()
    return det


def set_spinning(det: OnnxDetector, intra_op_threads: int, spinning: bool) -> None:
    """Replace a loaded detector's session by one with the given threads and spinning."""
    det._session = make_session(det.info.path, intra_op_threads, 1, spinning=spinning)
    det.warmup()


def input_is_fixed(path: Path) -> tuple[bool, list[object]]:
    """Whether the model's input height/width are fixed numbers, and the input shape."""
    shape = list(make_session(path, 1).get_inputs()[0].shape)
    return all(isinstance(d, int) for d in shape[2:]), shape
