"""Vehicle recall of detectors against a teacher (the COCO vehicle detector) on the street-photo sets.

The sets label plates, not vehicles, so the reference is the teacher's own output: a teacher box
(car/motorcycle/bus/truck at --conf) counts as found when a candidate vehicle box has IoU >= 0.5 with
it, whatever the class ("any class"), and again when the class matches too ("same class"). Figures
are also given for the teacher boxes at confidence >= 0.5 (the ones it is sure of).

    python scripts/compare_vehicles.py unified=models/unified_detector.onnx int8=models/vehicle_detector_int8.onnx
    python scripts/compare_vehicles.py models/unified_detector.onnx --rect --json

Evaluation sets only: nothing here trains or tunes anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scripts.compare_detectors import DATA, SCENE_SETS, parse_model_arg, read_image
from server.config import RuntimeSettings
from server.detection import OnnxDetector
from server.domain import Detection
from server.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
TEACHER = REPO / "models" / "vehicle_detector.onnx"
VEHICLE_CLASSES = ("car", "motorcycle", "bus", "truck")
MATCH_IOU = 0.5
SURE = 0.5


@dataclass
class VehicleScore:
    """One candidate's figures on one set."""

    model: str
    data_set: str
    images: int = 0
    teacher_boxes: int = 0
    found_any_class: int = 0
    found_same_class: int = 0
    sure_boxes: int = 0
    sure_found: int = 0
    candidate_boxes: int = 0
    unmatched: int = 0

    def row(self) -> dict[str, Any]:
        """A JSON-ready dict with the recalls."""
        return {
            **asdict(self),
            "recall_any_class": self.found_any_class / self.teacher_boxes if self.teacher_boxes else 0.0,
            "recall_same_class": self.found_same_class / self.teacher_boxes if self.teacher_boxes else 0.0,
            "recall_sure": self.sure_found / self.sure_boxes if self.sure_boxes else 0.0,
        }


def score_image(score: VehicleScore, teacher: Sequence[Detection], found: Sequence[Detection]) -> None:
    """Add one image's matches to `score`."""
    score.images += 1
    score.teacher_boxes += len(teacher)
    score.candidate_boxes += len(found)
    for box in teacher:
        ious = [(box.box.iou(d.box), d.class_name == box.class_name) for d in found]
        hit = any(iou >= MATCH_IOU for iou, _ in ious)
        score.found_any_class += hit
        score.found_same_class += any(iou >= MATCH_IOU and same for iou, same in ious)
        if box.confidence >= SURE:
            score.sure_boxes += 1
            score.sure_found += hit
    score.unmatched += sum(1 for d in found if all(d.box.iou(t.box) < MATCH_IOU for t in teacher))


def image_paths(data_set: str, data_dir: Path) -> list[Path]:
    """Every image of a set, in labels.jsonl order."""
    folder = data_dir / data_set
    records = [json.loads(line) for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]
    return [folder / record["image"] for record in records]


def _detector(path: Path, runtime: RuntimeSettings, rect: bool) -> OnnxDetector:
    """A vehicle detector; stride-sized input when asked and the model's input size is dynamic."""
    try:
        return OnnxDetector(path, runtime=runtime, class_filter=VEHICLE_CLASSES, auto_pad=rect)
    except ConfigError:
        return OnnxDetector(path, runtime=runtime, class_filter=VEHICLE_CLASSES)


def compare(models: Sequence[tuple[str, Path]], sets: Sequence[str], *, teacher_path: Path, conf: float,
            iou: float, threads: int, rect: bool, data_dir: Path) -> list[VehicleScore]:
    """Every candidate against the teacher on every set."""
    runtime = RuntimeSettings(intra_op_threads=threads)
    teacher = OnnxDetector(teacher_path, runtime=runtime, class_filter=VEHICLE_CLASSES)
    candidates = [(label, _detector(path, runtime, rect)) for label, path in models]
    scores: list[VehicleScore] = []
    for data_set in sets:
        rows = {label: VehicleScore(label, data_set) for label, _ in candidates}
        for path in image_paths(data_set, data_dir):
            image = read_image(path)
            reference = teacher.detect(image, conf, iou)
            for label, detector in candidates:
                score_image(rows[label], reference, detector.detect(image, conf, iou))
        scores.extend(rows.values())
        for row in rows.values():
            print(f"{row.model} on {data_set}: {row.found_any_class}/{row.teacher_boxes}", file=sys.stderr)
    return scores


def table(scores: Sequence[VehicleScore]) -> str:
    """The results as a Markdown table."""
    lines = ["| set | model | images | teacher boxes | recall, any class | same class | teacher conf >= 0.5 | "
             "boxes matching no teacher box |", "|---|---|---|---|---|---|---|---|"]
    for s in scores:
        r = s.row()
        lines.append(f"| {s.data_set} | {s.model} | {s.images} | {s.teacher_boxes} | {r['recall_any_class']:.1%} | "
                     f"{r['recall_same_class']:.1%} | {r['recall_sure']:.1%} ({s.sure_found}/{s.sure_boxes}) | "
                     f"{s.unmatched} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("models", nargs="+", help="ONNX detectors, each `path` or `label=path`")
    parser.add_argument("--teacher", type=Path, default=TEACHER, help=f"default: {TEACHER}")
    parser.add_argument("--sets", nargs="+", default=list(SCENE_SETS))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--conf", type=float, default=0.25, help="threshold of teacher and candidates")
    parser.add_argument("--iou", type=float, default=0.45)
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: all cores)")
    parser.add_argument("--rect", action="store_true",
                        help="candidates with a dynamic input size pad it only to the stride")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data: {args.data} is absent", file=sys.stderr)
        return 2
    models = [parse_model_arg(text) for text in args.models]
    scores = compare(models, args.sets, teacher_path=args.teacher, conf=args.conf, iou=args.iou,
                     threads=args.threads, rect=args.rect, data_dir=args.data)
    print(json.dumps([s.row() for s in scores], indent=2) if args.json else table(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
