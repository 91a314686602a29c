"""The COCO YOLOv8n ONNX loaded back into PyTorch computes what the ONNX computes; the plate branch starts from it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ultralytics", reason="ultralytics (the export extra) is not installed")

from training.coco_weights import coco_model, max_output_difference
from training.dual_detector import P3_SOURCE, PLATE_HEAD, PLATE_P3, initial_plate_checkpoint

COCO = Path(__file__).resolve().parents[2] / "models" / "vehicle_detector.onnx"


@pytest.fixture(scope="module")
def coco() -> object:
    if not COCO.is_file():
        pytest.skip(f"{COCO} is not prepared (python -m server.models.prepare)")
    return coco_model(COCO)


def test_the_pytorch_copy_reproduces_the_onnx(coco: object) -> None:
    # Outputs are box coordinates in input pixels (0-640) and class scores: float noise only.
    assert max_output_difference(coco, COCO) < 5e-3  # the COCO ONNX has a fixed 640x640 input


def test_the_plate_branch_starts_from_the_coco_weights(coco: object, tmp_path: Path) -> None:
    import torch

    checkpoint = torch.load(initial_plate_checkpoint(COCO, tmp_path / "init.pt"), weights_only=False)
    plate = checkpoint["model"].state_dict()
    source = coco.state_dict()  # type: ignore[attr-defined]
    assert torch.equal(plate["model.4.m.0.cv1.conv.weight"], source["model.4.m.0.cv1.conv.weight"])
    assert torch.equal(plate[f"model.{PLATE_P3}.cv1.conv.weight"], source[f"model.{P3_SOURCE}.cv1.conv.weight"])
    assert torch.equal(plate[f"model.{PLATE_HEAD}.cv2.0.2.weight"], source["model.22.cv2.0.2.weight"])
    narrow = plate[f"model.{PLATE_HEAD}.cv3.0.0.conv.weight"]
    assert torch.equal(narrow, source["model.22.cv3.0.0.conv.weight"][: narrow.shape[0]])
    assert plate[f"model.{PLATE_HEAD}.cv3.0.2.weight"].shape[0] == 1  # one class, its row new
    assert checkpoint["model"].names == {0: "License_Plate"}
