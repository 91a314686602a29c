"""Train the unified detector's plate branch on the CPU (or a GPU) and export the one-pass detector.

    python -m training.train_unified_detector                        # labels, data, training, export
    python -m training.train_unified_detector --epochs 1 --no-export # time one epoch
    python -m training.train_unified_detector --resume               # continue an interrupted run
    python -m training.train_unified_detector --export-only          # export the work dir's best.pt

The unified detector is the COCO YOLOv8n the service already runs (`models/vehicle_detector.onnx`,
loaded back into PyTorch by `training.coco_weights`) with a second detection head for plates on the same
features: one backbone and neck pass, two heads (`training.dual_detector`). The vehicle part is the COCO
network unchanged, so it finds exactly the vehicles the COCO detector finds; only the plate branch is
trained: a copy of the neck's stride-8 block (layer 15, started from its COCO weights) and a one-class
Detect head (started from COCO's head, classifier row new), with the 22 shared layers frozen (weights
and batch-norm statistics).

Steps:
1. Read the scene sets (`training.plate_scenes`: exchioz, platetrack, romania-dashcam; `-train` only),
   hold out ~10% of each by its split unit.
2. Plates: each photo's labelled boxes plus the background plates `models/plate_detector_id.onnx` finds
   at confidence >= `--plate-pseudo-conf` away from them.
3. Write a YOLO dataset under the work dir (build/unified-detector/, gitignored): photos (seeded aspect
   changes for the close-up sets), plus `--composites` 1280x720 street composites of training photos.
4. Train with ultralytics (seeded, AdamW, mosaic, checkpoints every epoch; `--resume` continues).
5. Export: COCO network + trained plate branch -> one ONNX (opset 17, dynamic batch and size, weights
   stored fp16), provenance metadata stamped.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from server.detection.onnx_detector import OnnxDetector
from server.models.export import sha256_file
from training.finetune_plate_detector import ASPECT_RANGE, best_checkpoint, train_arguments
from training.finetune_plate_detector import TrainSettings as PlateTrainSettings
from training.plate_scenes import (
    COMPOSITE_SIZE,
    EXCHIOZ,
    PLATETRACK,
    ROMANIA,
    SCENE_SETS,
    PixelBox,
    SceneImage,
    load_scene_set,
    plan_composites,
    render_composite,
    split_groups,
)
from training.unified_labels import LabelBox, merge_labels, scale_boxes, yolo_lines

log = logging.getLogger("train_unified_detector")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = (REPO / ".." / "shared" / "data").resolve()
DEFAULT_WORK = REPO / "build" / "unified-detector"
DEFAULT_OUTPUT = REPO / "models" / "unified_detector.onnx"
DEFAULT_COCO = REPO / "models" / "vehicle_detector.onnx"
DEFAULT_PLATE_TEACHER = REPO / "models" / "plate_detector_id.onnx"
TEACHER_IOU = 0.45
TORCH_THREADS = 2
# Share of close-up training photos that keep their shape; the others get an aspect change.
KEEP_SHAPE = 0.4


@dataclass(frozen=True)
class TrainSettings(PlateTrainSettings):
    """What ultralytics is asked to do, plus the data choices; recorded in the ONNX metadata."""

    epochs: int = 10
    close_mosaic: int = 2
    freeze: int = 22  # the shared backbone and neck (layers 0-21): only the plate branch trains
    lr0: float = 0.002
    hours: float = 0.0  # a time budget for ultralytics (0: none)
    plate_pseudo_conf: float = 0.5
    composites: int = 240
    val_fraction: float = 0.1


@dataclass(frozen=True)
class Dataset:
    """A YOLO dataset written to disk."""

    yaml: Path
    train_list: Path
    train_list_sha256: str
    train_images: int
    val_images: int
    train_plates: int


def _read(path: Path) -> np.ndarray:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if pixels is None:
        raise ValueError(f"cannot decode {path}")
    return np.asarray(pixels, dtype=np.uint8)


def label_plates(images: Sequence[SceneImage], teacher: OnnxDetector, conf: float) -> dict[str, list[PixelBox]]:
    """Each photo's plates: its labelled boxes plus the teacher's confident boxes that overlap none of them."""
    labels: dict[str, list[PixelBox]] = {}
    for number, image in enumerate(images, 1):
        found = teacher.detect(_read(image.path), conf, TEACHER_IOU)
        merged = merge_labels(image.plates, [], [((d.box.x1, d.box.y1, d.box.x2, d.box.y2), d.confidence)
                                                 for d in found])
        labels[image.name] = [b.box for b in merged]
        if number % 200 == 0:
            log.info("labelled %d/%d photos", number, len(images))
    return labels


def aspect_factors(images: Sequence[SceneImage], seed: int) -> dict[str, float]:
    """Width/height change per close-up training photo (seeded; dash-camera frames keep their shape)."""
    rng = random.Random(seed)
    low, high = ASPECT_RANGE
    factors = {}
    for image in sorted(images, key=lambda i: i.name):
        draw_keep, draw_factor = rng.random(), math.exp(rng.uniform(math.log(low), math.log(high)))
        keep = image.source_set == ROMANIA or draw_keep < KEEP_SHAPE
        factors[image.name] = 1.0 if keep else draw_factor
    return factors


def _write(pixels: np.ndarray, boxes: Sequence[PixelBox], stem: str, out: Path) -> str:
    height, width = pixels.shape[:2]
    cv2.imwrite(str(out / "images" / f"{stem}.jpg"), pixels, [cv2.IMWRITE_JPEG_QUALITY, 92])
    lines = yolo_lines([LabelBox(b, 0) for b in boxes], width, height)
    (out / "labels" / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ";".join(lines)


def build_dataset(train: Sequence[SceneImage], val: Sequence[SceneImage], plates: dict[str, list[PixelBox]],
                  root: Path, settings: TrainSettings) -> Dataset:
    """Write images, labels, data.yaml and the training list (whose sha256 identifies the data used)."""
    if root.exists():
        shutil.rmtree(root)
    factors = aspect_factors(train, settings.seed)
    entries: dict[str, list[str]] = {"train": [], "val": []}
    plate_count = 0
    for split, images in (("train", train), ("val", val)):
        out = root / split
        (out / "images").mkdir(parents=True)
        (out / "labels").mkdir(parents=True)
        for image in sorted(images, key=lambda i: i.name):
            pixels, boxes = _read(image.path), plates[image.name]
            factor = factors.get(image.name, 1.0) if split == "train" else 1.0
            if factor != 1.0:
                height, width = pixels.shape[:2]
                new_w, new_h = round(width * factor**0.5), round(height * factor**-0.5)
                pixels = cv2.resize(pixels, (new_w, new_h), interpolation=cv2.INTER_AREA)
                boxes = [b.box for b in scale_boxes([LabelBox(b, 0) for b in boxes], new_w / width, new_h / height)]
            stem = image.name.replace("/", "__").rsplit(".", 1)[0]
            lines = _write(pixels, boxes, stem, out)
            entries[split].append(f"{image.name}\t{sha256_file(image.path)}\t{factor:.4f}\t{lines}")
            plate_count += len(boxes) if split == "train" else 0
    backgrounds = [i for i in train if i.source_set == ROMANIA]
    photos = [i for i in train if i.source_set in (EXCHIOZ, PLATETRACK)]
    sizes = {i.name: _read(i.path).shape[1::-1] for i in [*backgrounds, *photos]}
    composites = plan_composites(backgrounds, photos, settings.composites, settings.seed,
                                 labels=lambda i: plates[i.name], sizes=lambda i: sizes[i.name])
    for composite in composites:
        lines = _write(render_composite(composite, _read), composite.plates, composite.name[:-4], root / "train")
        parts = ",".join(f"{p.name}@{list(r)}" for p, r in composite.pastes)
        entries["train"].append(f"{composite.name}\t{composite.background.name}+{parts}\t1\t{lines}")
        plate_count += len(composite.plates)
    train_list = root / "train_list.tsv"
    train_list.write_text("\n".join(entries["train"]) + "\n", encoding="utf-8")
    (root / "val_list.tsv").write_text("\n".join(entries["val"]) + "\n", encoding="utf-8")
    data_yaml = root / "data.yaml"
    data_yaml.write_text(f"path: {root.resolve()}\ntrain: train/images\nval: val/images\nnames:\n  0: License_Plate\n",
                         encoding="utf-8")
    log.info("composites: %d frames of %dx%d", len(composites), *COMPOSITE_SIZE)
    return Dataset(data_yaml, train_list, sha256_file(train_list), len(train) + len(composites), len(val),
                   plate_count)


def train(init: Path, dataset: Dataset, runs: Path, settings: TrainSettings, *, resume: bool) -> Path:
    """Train with ultralytics (CPU unless a GPU is visible); returns the best checkpoint."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    import torch
    from ultralytics.models import YOLO

    torch.set_num_threads(TORCH_THREADS)
    last = runs / "train" / "weights" / "last.pt"
    if resume and last.is_file():
        model: Any = YOLO(str(last), task="detect")
        model.train(resume=True)
        return best_checkpoint(runs)
    model = YOLO(str(init), task="detect")
    arguments = train_arguments(settings.as_dict(), dataset.yaml, runs)
    if torch.cuda.is_available():
        arguments.update(device=0, amp=True, workers=8)
    extra: dict[str, Any] = {"time": settings.hours} if settings.hours > 0 else {}
    model.train(**arguments, **extra)
    return best_checkpoint(runs)


def trained_epochs(run_dir: Path) -> int:
    """How many epochs a run finished (rows of its results.csv)."""
    try:
        rows = (run_dir / "results.csv").read_text(encoding="utf-8").strip().splitlines()
    except OSError:
        return 0
    return max(0, len(rows) - 1)


def _parser() -> argparse.ArgumentParser:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT,
                        help=f"folder holding the -train sets {', '.join(SCENE_SETS)}")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="dataset and runs (gitignored build/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the exported ONNX")
    parser.add_argument("--coco", type=Path, default=DEFAULT_COCO, help="the COCO YOLOv8n ONNX (vehicles)")
    parser.add_argument("--plate-teacher", type=Path, default=DEFAULT_PLATE_TEACHER,
                        help="plate detector (ONNX) whose confident boxes add unlabelled background plates")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--hours", type=float, default=defaults.hours,
                        help="train for this long instead (epochs re-estimated after the first; 0: off)")
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--lr0", type=float, default=defaults.lr0)
    parser.add_argument("--composites", type=int, default=defaults.composites)
    parser.add_argument("--plate-pseudo-conf", type=float, default=defaults.plate_pseudo_conf)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--resume", action="store_true", help="continue the work dir's interrupted run")
    parser.add_argument("--no-export", action="store_true", help="train only")
    parser.add_argument("--export-only", action="store_true", help="export the work dir's existing best.pt")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    from training.dual_detector import export_dual, initial_plate_checkpoint

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = TrainSettings(epochs=args.epochs, hours=args.hours, batch=args.batch, lr0=args.lr0, seed=args.seed,
                             composites=args.composites, plate_pseudo_conf=args.plate_pseudo_conf)
    try:
        images = [i for name in SCENE_SETS for i in load_scene_set(args.data_root / name)]
        teacher = OnnxDetector(args.plate_teacher)
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train_set, val_set = split_groups(images, settings.val_fraction, settings.seed)
    runs, dataset_dir = args.work_dir / "runs", args.work_dir / "dataset"
    train_list = dataset_dir / "train_list.tsv"
    if (args.resume or args.export_only) and train_list.is_file():
        dataset = Dataset(dataset_dir / "data.yaml", train_list, sha256_file(train_list), 0, len(val_set), 0)
    else:
        plates = label_plates(images, teacher, settings.plate_pseudo_conf)
        dataset = build_dataset(train_set, val_set, plates, dataset_dir, settings)
    log.info("dataset: %d train, %d val images, %d train plates; training list sha256 %s",
             dataset.train_images, dataset.val_images, dataset.train_plates, dataset.train_list_sha256)
    if args.export_only:
        best = runs / "train" / "weights" / "best.pt"
        if not best.is_file():
            print(f"error: {best} is absent: train first", file=sys.stderr)
            return 2
    else:
        init = initial_plate_checkpoint(args.coco, args.work_dir / "init_plate_branch.pt")
        start = time.perf_counter()
        best = train(init, dataset, runs, settings, resume=args.resume)
        log.info("training took %.1f min; best weights %s", (time.perf_counter() - start) / 60, best)
    if not args.no_export:
        record = {**settings.as_dict(), "epochs_trained": trained_epochs(runs / "train"),
                  "train_images": dataset.train_images, "val_images": dataset.val_images,
                  "train_plates": dataset.train_plates, "sets": list(SCENE_SETS)}
        output = export_dual(args.coco, best, args.output, training_list_sha256=dataset.train_list_sha256,
                             training_settings=json.dumps(record, sort_keys=True),
                             teachers={"plates": sha256_file(args.plate_teacher)})
        log.info("wrote %s (%.1f MB, sha256 %s)", output, output.stat().st_size / 1e6, sha256_file(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
