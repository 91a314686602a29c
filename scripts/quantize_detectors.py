"""Static INT8 (QDQ) quantisation of the two YOLO detectors, calibrated on the *-train photo sets.

Usage: python scripts/quantize_detectors.py [--count 64] [--only vehicle|plate|unified]
Reads models/vehicle_detector.onnx and models/plate_detector.onnx (run `make models` first), calibrates
activation ranges (min/max) on letterboxed photos of ../shared/data/*-train (never an evaluation set) and
writes models/vehicle_detector_int8.onnx and models/plate_detector_int8.onnx. Weights are int8 per
channel, activations uint8; the detection head's decoding (DFL, anchors, sigmoid, concatenation) stays
float, so boxes keep their precision. The source's metadata (class names, stride, input size) is kept
and a `quantization` entry added.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.detection.letterbox import letterbox, to_input_tensor  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
CALIBRATION_SETS = ("indonesia-exchioz-train", "indonesia-cy261219-train")
MODELS = {
    "vehicle": ("vehicle_detector.onnx", "vehicle_detector_int8.onnx"),
    "plate": ("plate_detector.onnx", "plate_detector_int8.onnx"),
    "unified": ("unified_detector.onnx", "unified_detector_int8.onnx"),
}
HEAD = "/model.22/"  # YOLOv8's detection head; only its conv branches (cv2: boxes, cv3: classes) are quantised


def calibration_photos(data: Path, count: int) -> list[Path]:
    """`count` photos spread evenly over the calibration sets (every k-th file, sorted: deterministic)."""
    per_set = max(1, count // len(CALIBRATION_SETS))
    photos: list[Path] = []
    for name in CALIBRATION_SETS:
        if not name.endswith("-train"):
            raise ValueError(f"{name} is not a training set")
        files = sorted(p for p in (data / name).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        if not files:
            raise SystemExit(f"no photos in {data / name}")
        step = max(1, len(files) // per_set)
        photos += files[::step][:per_set]
    return photos


class LetterboxedPhotos(CalibrationDataReader):  # type: ignore[misc]
    """Feeds each calibration photo as the detector sees it (letterboxed to `size`, scaled to 0..1)."""

    def __init__(self, photos: list[Path], input_name: str, size: tuple[int, int]) -> None:
        self._items: Iterator[Path] = iter(photos)
        self._input_name = input_name
        self._size = size

    def get_next(self) -> dict[str, np.ndarray] | None:
        for photo in self._items:
            image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
            if image is not None:
                boxed, _ = letterbox(np.asarray(image, np.uint8), self._size)
                return {self._input_name: to_input_tensor([boxed])}
        return None


def float_graph(source: Path, target: Path) -> None:
    """The source with onnxruntime's basic optimisations applied (fp16 weights folded to fp32, constants folded)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(target)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


FLOAT_HEAD = {
    "decode": ("/cv2.", "/cv3."),  # only the decoding (DFL, anchors, sigmoid) stays float
    "boxes": ("/cv3.",),  # the box branch too: boxes keep full precision, class scores are int8
    "all": (),  # the whole head stays float
}


def float_head_nodes(model: onnx.ModelProto, keep: str) -> list[str]:
    """Nodes of the detection head left in float: all but the branches FLOAT_HEAD[keep] quantises."""
    quantised = FLOAT_HEAD[keep]
    return [n.name for n in model.graph.node if HEAD in n.name and not any(b in n.name for b in quantised)]


def model_size(model: onnx.ModelProto) -> tuple[int, int]:
    """(height, width) the detector was exported for (metadata `imgsz`, else its static input shape)."""
    meta = {p.key: p.value for p in model.metadata_props}
    if "imgsz" in meta:
        height, width = json.loads(meta["imgsz"])
        return int(height), int(width)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return int(dims[2].dim_value), int(dims[3].dim_value)


METHODS = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
           "entropy": CalibrationMethod.Entropy}


def quantize(source: Path, target: Path, photos: list[Path], float_head: str = "decode",
             method: str = "minmax") -> None:
    """Write the INT8 QDQ model of `source` to `target`, metadata kept plus a `quantization` entry."""
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        float_graph(source, fp32)
        graph = onnx.load(str(fp32))
        size = model_size(graph)
        reader = LetterboxedPhotos(photos, graph.graph.input[0].name, size)
        quantize_static(
            str(fp32), str(target), reader,
            quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            per_channel=True, calibrate_method=METHODS[method],
            nodes_to_exclude=float_head_nodes(graph, float_head),
        )
    quantized = onnx.load(str(target))
    meta = {p.key: p.value for p in onnx.load(str(source)).metadata_props}
    meta["quantization"] = json.dumps({
        "format": "QDQ", "weights": "int8 per channel", "activations": "uint8", "calibration": method,
        "float_head": float_head, "calibration_sets": list(CALIBRATION_SETS), "calibration_photos": len(photos),
        "input": list(size),
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
    })
    del quantized.metadata_props[:]
    for key, value in meta.items():
        quantized.metadata_props.add(key=key, value=value)
    onnx.save(quantized, str(target))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=64, help="calibration photos (half from each set)")
    parser.add_argument("--only", choices=sorted(MODELS), help="quantise one detector")
    parser.add_argument("--float-head", choices=sorted(FLOAT_HEAD), default="decode",
                        help="how much of the detection head stays float")
    parser.add_argument("--method", choices=sorted(METHODS), default="minmax", help="activation range calibration")
    parser.add_argument("--suffix", default="", help="written as <name>_int8<suffix>.onnx (experiments)")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--models-dir", type=Path, default=REPO_ROOT / "models")
    args = parser.parse_args(argv)
    photos = calibration_photos(args.data, args.count)
    for kind, (source_name, target_name) in MODELS.items():
        if args.only and kind != args.only:
            continue
        source = args.models_dir / source_name
        if not source.is_file() and kind == "unified" and not args.only:
            print(f"{kind}: {source} is absent (make train-unified-detector), skipped")
            continue
        if not source.is_file():
            raise SystemExit(f"{source} is missing: run `make models` first")
        target = args.models_dir / target_name.replace(".onnx", f"{args.suffix}.onnx")
        quantize(source, target, photos, args.float_head, args.method)
        print(f"{kind}: {target} ({target.stat().st_size / 1e6:.1f} MB, {len(photos)} calibration photos)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
