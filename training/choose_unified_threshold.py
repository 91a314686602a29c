"""The plate confidence threshold of the unified detector, read off the training sets' held-out split only.

    python -m training.choose_unified_threshold models/unified_detector.onnx

Uses the validation images that training/train_unified_detector.py wrote (build/unified-detector/
dataset/val: ~10% of each scene `-train` set by its split unit, never trained on) and their plate labels
(labelled + pseudo-labelled background plates). For each threshold it prints plate recall (IoU >= 0.5)
and plate boxes matching no label. The vehicle half of the network is the COCO detector unchanged, so its
threshold is the vehicle detector's. Evaluation sets are never read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from server.config import RuntimeSettings
from server.detection.onnx_detector import OnnxDetector
from server.domain import Box
from training.unified_labels import CLASS_NAMES, PLATE_NAME

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VAL = REPO / "build" / "unified-detector" / "dataset"
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
MATCH_IOU = 0.5


def read_labels(path: Path, width: int, height: int) -> list[tuple[int, Box]]:
    """(class id, pixel box) of one YOLO label file."""
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        cid, cx, cy, w, h = line.split()
        x, y, bw, bh = float(cx) * width, float(cy) * height, float(w) * width, float(h) * height
        out.append((int(cid), Box(round(x - bw / 2), round(y - bh / 2), round(x + bw / 2), round(y + bh / 2))))
    return out


def sweep(model: Path, dataset: Path, thresholds: Sequence[float] = THRESHOLDS) -> list[dict[str, float]]:
    """Plate recall and unmatched plate boxes per threshold on the held-out split."""
    detector = OnnxDetector(model, runtime=RuntimeSettings(intra_op_threads=1),
                            class_filter=tuple(CLASS_NAMES.values()), auto_pad=True)
    images = sorted((dataset / "val" / "images").glob("*.jpg"))
    if not images:
        raise FileNotFoundError(f"no held-out images under {dataset}: run training/train_unified_detector.py")
    cached = []
    for path in images:
        image = np.asarray(cv2.imread(str(path), cv2.IMREAD_COLOR), dtype=np.uint8)
        labels = read_labels(dataset / "val" / "labels" / f"{path.stem}.txt", image.shape[1], image.shape[0])
        cached.append((labels, detector.detect(image, min(thresholds), 0.45)))
    rows = []
    for threshold in thresholds:
        row = {"threshold": threshold}
        truth_n = found = extra = 0
        for labels, dets in cached:
            truth = [b for _, b in labels]
            kept = [d.box for d in dets if d.confidence >= threshold and d.class_name == PLATE_NAME]
            truth_n += len(truth)
            found += sum(1 for t in truth if any(t.iou(k) >= MATCH_IOU for k in kept))
            extra += sum(1 for k in kept if all(t.iou(k) < MATCH_IOU for t in truth))
        row["plate_recall"] = found / truth_n if truth_n else 0.0
        row["plate_unmatched"] = extra
        row["plate_labels"] = truth_n
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_VAL)
    args = parser.parse_args(argv)
    try:
        rows = sweep(args.model, args.dataset)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("| threshold | plate recall | plates unmatched |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r['threshold']} | {r['plate_recall']:.1%} of {r['plate_labels']:.0f} | {r['plate_unmatched']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
