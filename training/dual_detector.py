"""The one-pass detector: COCO YOLOv8n features, the COCO head for vehicles, a trained head for plates.

The plate branch is trained as an ordinary one-class ultralytics model (`plate_branch_config`): layers
0-21 are YOLOv8n's backbone and neck with the COCO weights (frozen while training), layer 22 a copy of
the stride-8 neck block (layer 15) fed by the same input, layer 23 the Detect head on (22, 18, 21).
`DualDetector` runs the shared layers once and both heads, and returns one YOLO-format output
[batch, 4 + 5, 2 x anchors]: the first half of the anchors carries the COCO boxes with the four
vehicle scores (car, motorcycle, bus, truck) and a zero plate score, the second half the plate boxes
with zero vehicle scores. The service's ordinary YOLO decoding and NMS serve it unchanged.
"""

from __future__ import annotations

import importlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from server.models import metadata as meta
from server.models.export import exporter_version, sha256_file
from server.models.manifest import VEHICLE_DETECTOR
from training.coco_weights import COCO_CLASSES, load_folded, max_output_difference, yolov8_config
from training.finetune_plate_detector import store_weights_fp16
from training.unified_labels import CLASS_NAMES, PLATE_NAME

SHARED_LAYERS = 22  # YOLOv8n layers 0-21: backbone and neck
PLATE_P3 = 22  # the plate branch's copy of layer 15
P3_SOURCE = 15
PLATE_HEAD = 23
# COCO ids of the unified network's vehicle classes, in its class order (car, motorcycle, bus, truck).
COCO_VEHICLE_IDS = (2, 3, 5, 7)
OPSET = 17
LICENSE = "AGPL-3.0 (derivative of the AGPL-3.0 Ultralytics COCO weights)"
DESCRIPTION = ("YOLOv8n vehicle + licence-plate detector: the COCO YOLOv8n (vehicles, unchanged) with a plate head "
               "trained by training/train_unified_detector.py on the *-train scene sets")
_COCO_CLASSIFIER = re.compile(r"^model\.22\.cv3\.\d\.2\.")


def plate_branch_config() -> dict[str, Any]:
    """The one-class training model: YOLOv8n + a copy of layer 15 (from layer 14) + Detect on (22, 18, 21)."""
    cfg = yolov8_config(1)
    p3_row = list(cfg["head"][P3_SOURCE - len(cfg["backbone"])])
    p3_row[0] = P3_SOURCE - 1
    return yolov8_config(1, extra_head=[p3_row], detect_from=[PLATE_P3, 18, 21])


def _plate_places(name: str) -> list[str]:
    """Where a COCO tensor goes in the plate-branch model (the COCO classifier's last convs nowhere)."""
    if name.startswith(f"model.{P3_SOURCE}."):
        return [name, name.replace(f"model.{P3_SOURCE}.", f"model.{PLATE_P3}.", 1)]
    if name.startswith("model.22."):
        return [] if _COCO_CLASSIFIER.match(name) else [name.replace("model.22.", f"model.{PLATE_HEAD}.", 1)]
    return [name]


def initial_plate_checkpoint(coco_onnx: Path, destination: Path) -> Path:
    """The plate-branch model with every COCO weight it can hold, saved as an ultralytics checkpoint."""
    tasks: Any = importlib.import_module("ultralytics.nn.tasks")
    model = tasks.DetectionModel(plate_branch_config(), nc=1, verbose=False)
    # The one-class head's classifier branch is narrower (64 channels, COCO's 80): it starts from COCO's first 64.
    load_folded(model, coco_onnx, places=_plate_places, sliced=lambda name: name.startswith(f"model.{PLATE_HEAD}.cv3."))
    model.names = {0: PLATE_NAME}
    model.args = {"task": "detect", "imgsz": 640}
    destination.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model, "train_args": {"task": "detect"}, "epoch": -1, "date": None}, destination)
    return destination


def _load_trained(checkpoint: Path) -> Any:
    tasks: Any = importlib.import_module("ultralytics.nn.tasks")
    model, _ = tasks.load_checkpoint(str(checkpoint), device="cpu")
    return model.float().eval()


class DualDetector(nn.Module):
    """Shared YOLOv8n layers, the COCO head (vehicle classes kept) and the plate branch, in one forward."""

    def __init__(self, coco: Any, plate: Any) -> None:
        super().__init__()
        self.layers = nn.ModuleList(list(coco.model)[:SHARED_LAYERS])
        self.vehicle_head = coco.model[SHARED_LAYERS]
        self.plate_p3 = plate.model[PLATE_P3]
        self.plate_head = plate.model[PLATE_HEAD]
        self.vehicle_ids: torch.Tensor
        self.register_buffer("vehicle_ids", torch.tensor([4 + i for i in COCO_VEHICLE_IDS]), persistent=False)
        for head in (self.vehicle_head, self.plate_head):
            head.export, head.format, head.dynamic = True, "onnx", True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[batch, 3, h, w] in 0..1 -> [batch, 9, 2 x anchors] (boxes xywh in input pixels, class scores)."""
        outputs: list[Any] = []
        current: Any = x
        for layer in self.layers:
            source: Any = layer.f
            if source != -1:
                current = outputs[source] if isinstance(source, int) else [
                    current if j == -1 else outputs[j] for j in source]
            current = layer(current)
            outputs.append(current)
        vehicles = self._head(self.vehicle_head, [outputs[15], outputs[18], outputs[21]])
        plates = self._head(self.plate_head, [self.plate_p3(outputs[P3_SOURCE - 1]), outputs[18], outputs[21]])
        batch, _, anchors = vehicles.shape
        zeros4 = vehicles.new_zeros((batch, 4, anchors))
        zeros1 = vehicles.new_zeros((batch, 1, anchors))
        vehicle_part = torch.cat([vehicles[:, :4], vehicles.index_select(1, self.vehicle_ids), zeros1], 1)
        plate_part = torch.cat([plates[:, :4], zeros4, plates[:, 4:5]], 1)
        return torch.cat([vehicle_part, plate_part], 2)

    @staticmethod
    def _head(head: nn.Module, features: list[torch.Tensor]) -> torch.Tensor:
        out = head(features)
        result: torch.Tensor = out[0] if isinstance(out, (list, tuple)) else out
        return result


def build_dual(coco_onnx: Path, plate_checkpoint: Path) -> DualDetector:
    """The dual network in eval mode from the COCO ONNX and a trained plate-branch checkpoint."""
    tasks: Any = importlib.import_module("ultralytics.nn.tasks")
    coco = tasks.DetectionModel(yolov8_config(COCO_CLASSES), nc=COCO_CLASSES, verbose=False)
    load_folded(coco, coco_onnx)
    coco.eval()
    if max_output_difference(coco, coco_onnx) > 1e-2:
        raise ValueError(f"{coco_onnx}: the PyTorch copy does not reproduce the ONNX")
    return DualDetector(coco, _load_trained(plate_checkpoint)).eval()


def export_dual(coco_onnx: Path, plate_checkpoint: Path, output: Path, *, training_list_sha256: str,
                training_settings: str, teachers: dict[str, str]) -> Path:
    """Write the one-pass detector ONNX (fp16-stored weights) with this project's metadata."""
    model = build_dual(coco_onnx, plate_checkpoint)
    dummy = torch.zeros(1, 3, 640, 640)
    with tempfile.TemporaryDirectory(prefix="galaxy-dual-") as tmp:
        fp32 = Path(tmp) / "dual.onnx"
        torch.onnx.export(model, (dummy,), str(fp32), opset_version=OPSET, input_names=["images"],
                          output_names=["output0"], dynamo=False,
                          dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"},
                                        "output0": {0: "batch", 2: "anchors"}})
        _simplify(fp32)
        store_weights_fp16(fp32, fp32)
        values = {
            meta.NAMES: meta.format_names(CLASS_NAMES),
            meta.IMGSZ: meta.format_imgsz((640, 640)),
            "stride": "32",
            "task": "detect",
            "batch": "-1",
            "description": DESCRIPTION,
            "license": LICENSE,
            meta.SOURCE: DESCRIPTION,
            meta.SOURCE_SHA256: sha256_file(plate_checkpoint),
            meta.EXPORTER: exporter_version(with_ultralytics=True),
            meta.EXPORT_SETTINGS: json.dumps({"opset": OPSET, "dynamic": True, "weights": "fp16-stored",
                                              "layout": "vehicles then plates along the anchors"}, sort_keys=True),
            "base_weights": VEHICLE_DETECTOR.default.description,
            # The pinned registry file's sha256 (the prepared copy differs only by its stamped metadata).
            "base_weights_sha256": meta.read_metadata(coco_onnx).get(meta.SOURCE_SHA256, sha256_file(coco_onnx)),
            "teachers": json.dumps(teachers, sort_keys=True),
            "training_list_sha256": training_list_sha256,
            "training_settings": training_settings,
            "plate_class": PLATE_NAME,
            "vehicle_classes": json.dumps([CLASS_NAMES[i] for i in range(len(COCO_VEHICLE_IDS))]),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        meta.write_metadata(fp32, output, values)
    return output


def _simplify(path: Path) -> None:
    """onnxslim's constant folding and fusion where it is installed (the export extra); else as traced."""
    try:
        import onnxslim  # type: ignore[import-untyped]
    except ImportError:
        return
    import onnx

    onnx.save(onnxslim.slim(onnx.load(str(path))), str(path))
