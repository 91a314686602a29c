"""Compare plate detectors (ONNX files) on the labelled street-photo sets in ../shared/data.

For every model and set it reports plate detection recall (a labelled plate counts as found when
some detection has IoU >= 0.5 with its box, at the given confidence threshold), detections that
match no labelled plate (a rough precision signal: background plates are often unlabelled) and the
per-image detect time (letterbox + inference + NMS) p50/p95, measured on this machine.

    python scripts/compare_detectors.py fastanpr=build/fastanpr_plate.onnx ours=models/plate_detector_id.onnx
    python scripts/compare_detectors.py models/plate_detector.onnx --sets indonesia-exchioz --misses
    python scripts/compare_detectors.py a.onnx b.onnx --json

Models run with onnxruntime through the server's own OnnxDetector, so the numbers are those the
service gets. Evaluation sets only: nothing here trains or tunes anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from server.config import RuntimeSettings
from server.datasets import plate_box, read_labels
from server.detection import OnnxDetector
from server.domain import Box, Detection, Image
from server.plates.metrics import percentile

REPO = Path(__file__).resolve().parent.parent
DATA = (REPO / ".." / "shared" / "data").resolve()
SCENE_SETS = ("indonesia-exchioz", "openalpr-us", "openalpr-eu", "openalpr-br")
MATCH_IOU = 0.5


@dataclass(frozen=True)
class Miss:
    """A labelled plate no detection matched, with the closest detection's IoU and confidence."""

    image: str
    box: list[int]
    best_iou: float
    best_conf: float


@dataclass
class SetScore:
    """One model's figures on one set."""

    model: str
    data_set: str
    images: int = 0
    plates: int = 0
    detected: int = 0
    unmatched: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    misses: list[Miss] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Found plates over labelled plates (0.0 for a set without plates)."""
        return self.detected / self.plates if self.plates else 0.0

    def row(self) -> dict[str, Any]:
        """A JSON-ready dict, recall included."""
        return {**asdict(self), "recall": self.recall}


@dataclass(frozen=True)
class LabelledImage:
    """A photo and its labelled plate boxes."""

    name: str
    path: Path
    boxes: tuple[Box, ...]


def load_set(name: str, data_dir: Path = DATA, limit: int | None = None) -> list[LabelledImage]:
    """The photos of a set that carry at least one plate box, in labels.jsonl order."""
    folder = data_dir / name
    items: list[LabelledImage] = []
    for record in read_labels(folder):
        boxes = tuple(Box(*box) for plate in record["plates"] if (box := plate_box(plate)) is not None)
        if boxes:
            items.append(LabelledImage(record["image"], folder / record["image"], boxes))
    return items[:limit]


def read_image(path: Path) -> Image:
    """A BGR uint8 image, or an error naming the file."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot decode {path}")
    return np.asarray(image, dtype=np.uint8)


def match_plates(truth: Sequence[Box], found: Sequence[Detection]) -> tuple[list[tuple[float, float]], int]:
    """For each labelled box the (best IoU, that detection's confidence); and how many detections match none."""
    best = []
    for box in truth:
        scored = [(box.iou(d.box), d.confidence) for d in found]
        best.append(max(scored, default=(0.0, 0.0)))
    unmatched = sum(1 for d in found if all(d.box.iou(box) < MATCH_IOU for box in truth))
    return best, unmatched


def score_set(
    detector: OnnxDetector, model: str, data_set: str, images: Sequence[LabelledImage], conf: float, iou: float
) -> SetScore:
    """Run one detector over one set's images."""
    score = SetScore(model, data_set)
    times: list[float] = []
    for item in images:
        found, timing = detector.detect_timed(read_image(item.path), conf, iou)
        times.append(timing.total_ms)
        best, unmatched = match_plates(item.boxes, found)
        score.images += 1
        score.plates += len(item.boxes)
        score.unmatched += unmatched
        for box, (best_iou, best_conf) in zip(item.boxes, best, strict=True):
            if best_iou >= MATCH_IOU:
                score.detected += 1
            else:
                score.misses.append(Miss(item.name, box.as_list(), round(best_iou, 3), round(best_conf, 3)))
    score.p50_ms, score.p95_ms = percentile(times, 50), percentile(times, 95)
    return score


def parse_model_arg(text: str) -> tuple[str, Path]:
    """`label=path.onnx` or `path.onnx` (labelled by its file stem)."""
    label, sep, path = text.partition("=")
    return (label, Path(path)) if sep else (Path(text).stem, Path(text))


def compare(
    models: Sequence[tuple[str, Path]],
    sets: Sequence[str],
    *,
    conf: float = 0.25,
    iou: float = 0.45,
    limit: int | None = None,
    threads: int = 0,
    data_dir: Path = DATA,
) -> list[SetScore]:
    """Every model over every set; one warmed-up session per model, images decoded once per set."""
    runtime = RuntimeSettings(intra_op_threads=threads)
    detectors = []
    for label, path in models:
        detector = OnnxDetector(path, runtime=runtime)
        detector.warmup()
        detectors.append((label, detector))
    scores: list[SetScore] = []
    for data_set in sets:
        images = load_set(data_set, data_dir, limit)
        for label, detector in detectors:
            scores.append(score_set(detector, label, data_set, images, conf, iou))
            print(f"{label} on {data_set}: {scores[-1].detected}/{scores[-1].plates}", file=sys.stderr)
    return scores


def table(scores: Sequence[SetScore]) -> str:
    """The results as a Markdown table, one row per set and model."""
    lines = [
        "| set | model | images | recall (IoU>=0.5) | unmatched detections | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        lines.append(
            f"| {s.data_set} | {s.model} | {s.images} | {s.recall:.1%} ({s.detected}/{s.plates}) | {s.unmatched} | "
            f"{s.p50_ms:.0f} | {s.p95_ms:.0f} |"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("models", nargs="+", help="ONNX detectors, each `path` or `label=path`")
    parser.add_argument("--sets", nargs="+", default=list(SCENE_SETS), help="data sets under --data")
    parser.add_argument("--data", type=Path, default=DATA, help=f"default: {DATA}")
    parser.add_argument("--conf", type=float, default=0.25, help="confidence threshold (service default 0.25)")
    parser.add_argument("--iou", type=float, default=0.45, help="NMS IoU threshold (service default 0.45)")
    parser.add_argument("--limit", type=int, help="at most this many images per set")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: all cores)")
    parser.add_argument("--misses", action="store_true", help="list the missed plates")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if not args.data.is_dir():
        print(f"no data: {args.data} is absent", file=sys.stderr)
        return 2
    models = [parse_model_arg(text) for text in args.models]
    missing = [str(path) for _, path in models if not path.is_file()]
    if missing:
        print(f"error: no such model: {', '.join(missing)}", file=sys.stderr)
        return 2
    scores = compare(
        models, args.sets, conf=args.conf, iou=args.iou, limit=args.limit, threads=args.threads, data_dir=args.data
    )
    if args.json:
        print(json.dumps([s.row() for s in scores], indent=2))
        return 0
    print(table(scores))
    if args.misses:
        for s in scores:
            for miss in s.misses:
                print(f"miss {s.model} {s.data_set} {miss.image} box={miss.box} "
                      f"best_iou={miss.best_iou} conf={miss.best_conf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
