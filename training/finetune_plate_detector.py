"""Fine-tune fastanpr's YOLOv8n plate detector on Indonesian street photos, on the CPU, and export it.

    python -m training.finetune_plate_detector                   # dataset, training, export
    python -m training.finetune_plate_detector --epochs 1 --no-export   # time one epoch

Steps:
1. Read `indonesia-exchioz-train` (labels.jsonl: one plate box per 416x416 photo; 600 images that are
   200 photos x 3 photometric copies) and hold out ~10% for validation, split by plate text so the
   copies of one photo never straddle the split.
2. Write a YOLO dataset under the work dir (default build/plate-finetune/, gitignored). The second
   and third copies of each training photo get their aspect ratio changed (the set was stretched to
   a square by Roboflow, so its plates all look wide; real frames are not), seeded. Background plates
   are unlabelled; fastanpr itself finds almost none at useful confidence there (mostly reflectors),
   so no pseudo-labels are added.
3. Fine-tune from `pypi:fastanpr==0.1.13/fastanpr/best.pt` with ultralytics on the CPU: backbone
   frozen, low learning rate, few epochs, seeded and deterministic, so the model keeps what it knew
   about other countries' plates (check with scripts/compare_detectors.py on the openalpr sets).
4. Export the best weights with server.models.export (opset 17, dynamic batch, onnxslim), store the
   float weights as fp16 (cast to fp32 inside the graph, so inference stays fp32 and the file is half
   the size), and stamp provenance metadata, including the sha256 of the training list.

Only sets whose names end in `-train` are accepted: nothing here may see an evaluation set.
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
import yaml

from server.datasets import plate_box, read_labels
from server.models import metadata as meta
from server.models.export import ExportSettings, export_to_onnx, sha256_file
from server.models.manifest import FASTANPR_PLATE_DETECTOR
from server.models.prepare import find_package_file

log = logging.getLogger("finetune_plate_detector")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = (REPO / ".." / "shared" / "data" / "indonesia-exchioz-train").resolve()
DEFAULT_WORK = REPO / "build" / "plate-finetune"
DEFAULT_OUTPUT = REPO / "models" / "plate_detector_id.onnx"
SOURCE_TEXT = (
    "trained by training/finetune_plate_detector.py from pypi:fastanpr==0.1.13 best.pt on indonesia-exchioz-train"
)
CLASS_NAME = "License_Plate"
LICENSE = "AGPL-3.0 (derivative of the AGPL-3.0 fastanpr/Ultralytics weights)"
# Metadata keys this script adds beside the exporter's own.
TRAINING_LIST_SHA256 = "training_list_sha256"
TRAINING_SETTINGS = "training_settings"
BASE_WEIGHTS = "base_weights"
BASE_WEIGHTS_SHA256 = "base_weights_sha256"
LICENSE_KEY = "license"
FP16_MIN_ELEMENTS = 16
# The set's plates are wide (squeezed squares of wider photos) and large; deployed frames are neither.
ASPECT_RANGE = (0.55, 1.3)


@dataclass(frozen=True)
class TrainImage:
    """One labelled photo of the training set."""

    name: str
    path: Path
    text: str
    boxes: tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class TrainSettings:
    """What ultralytics is asked to do; recorded in the ONNX metadata."""

    epochs: int = 5
    imgsz: int = 640
    batch: int = 16
    freeze: int = 10
    lr0: float = 0.001
    lrf: float = 0.1
    warmup_epochs: float = 1.0
    warmup_bias_lr: float = 0.0
    close_mosaic: int = 1
    mosaic: float = 1.0
    scale: float = 0.75
    fliplr: float = 0.5
    seed: int = 0
    workers: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Dataset:
    """A YOLO dataset written to disk."""

    yaml: Path
    train_list: Path
    train_list_sha256: str
    train_images: int
    val_images: int
    aspect_range: tuple[float, float]


def load_train_set(data_dir: Path) -> list[TrainImage]:
    """The photos of a `-train` set that carry plate boxes; refuses any other set."""
    if not data_dir.name.endswith("-train"):
        raise ValueError(f"{data_dir.name} is not a training set (its name must end in -train)")
    images: list[TrainImage] = []
    for record in read_labels(data_dir):
        plates = [(p, box) for p in record["plates"] if (box := plate_box(p)) is not None]
        if plates:
            boxes = tuple(box for _, box in plates)
            images.append(TrainImage(record["image"], data_dir / record["image"], plates[0][0]["text"], boxes))
    return images


def split_by_text(
    images: Sequence[TrainImage], val_fraction: float, seed: int
) -> tuple[list[TrainImage], list[TrainImage]]:
    """Train and validation images; all images of one plate text land on the same side."""
    texts = sorted({image.text for image in images})
    random.Random(seed).shuffle(texts)
    held = set(texts[: max(1, round(len(texts) * val_fraction))])
    return [i for i in images if i.text not in held], [i for i in images if i.text in held]


def yolo_lines(boxes: Sequence[tuple[int, int, int, int]], width: int, height: int) -> list[str]:
    """YOLO label lines `0 cx cy w h` (normalised) for pixel boxes, clipped to the image."""
    lines = []
    for x1, y1, x2, y2 in boxes:
        x1, x2 = max(0, min(x1, width)), max(0, min(x2, width))
        y1, y2 = max(0, min(y1, height)), max(0, min(y2, height))
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        lines.append(f"0 {cx:.6f} {cy:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}")
    return lines


def aspect_factors(images: Sequence[TrainImage], seed: int, low: float, high: float) -> dict[str, float]:
    """Aspect change (new width/height over old) per image, seeded.

    The first copy of each photo keeps its shape; the other copies get a factor drawn log-uniformly
    from [low, high], so the squeezed-square look of the set is not the only plate shape the model sees.
    """
    if not 0 < low <= high:
        raise ValueError(f"aspect range must satisfy 0 < low <= high, got {low}..{high}")
    rng = random.Random(seed)
    by_text: dict[str, list[TrainImage]] = {}
    for image in images:
        by_text.setdefault(image.text, []).append(image)
    factors = {image.name: 1.0 for image in images}
    for text in sorted(by_text):
        for image in sorted(by_text[text], key=lambda i: i.name)[1:]:
            factors[image.name] = math.exp(rng.uniform(math.log(low), math.log(high)))
    return factors


def _write_image(image: TrainImage, factor: float, out_images: Path, out_labels: Path) -> str:
    pixels = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if pixels is None:
        raise ValueError(f"cannot decode {image.path}")
    height, width = pixels.shape[:2]
    target = out_images / image.name
    if factor == 1.0:
        shutil.copyfile(image.path, target)
        boxes = image.boxes
    else:
        sx, sy = math.sqrt(factor), 1 / math.sqrt(factor)
        new_w, new_h = round(width * sx), round(height * sy)
        cv2.imwrite(str(target), cv2.resize(pixels, (new_w, new_h), interpolation=cv2.INTER_AREA))
        boxes = tuple(
            (round(b[0] * new_w / width), round(b[1] * new_h / height),
             round(b[2] * new_w / width), round(b[3] * new_h / height))
            for b in image.boxes
        )
        width, height = new_w, new_h
    lines = yolo_lines(boxes, width, height)
    (out_labels / f"{Path(image.name).stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{image.name}\t{sha256_file(image.path)}\t{width}x{height}\t{';'.join(lines)}"


def build_dataset(
    train: Sequence[TrainImage],
    val: Sequence[TrainImage],
    root: Path,
    *,
    seed: int,
    aspect_range: tuple[float, float] = (1.0, 1.0),
) -> Dataset:
    """Write images, labels, data.yaml and the training list (whose sha256 identifies the data used)."""
    if root.exists():
        shutil.rmtree(root)
    factors = aspect_factors(train, seed, *aspect_range)
    entries: dict[str, list[str]] = {}
    for split, images in (("train", train), ("val", val)):
        out_images, out_labels = root / "images" / split, root / "labels" / split
        out_images.mkdir(parents=True)
        out_labels.mkdir(parents=True)
        entries[split] = [
            _write_image(image, factors.get(image.name, 1.0) if split == "train" else 1.0, out_images, out_labels)
            for image in sorted(images, key=lambda i: i.name)
        ]
    train_list = root / "train_list.tsv"
    train_list.write_text("\n".join(entries["train"]) + "\n", encoding="utf-8")
    (root / "val_list.tsv").write_text("\n".join(entries["val"]) + "\n", encoding="utf-8")
    yaml = root / "data.yaml"
    yaml.write_text(
        f"path: {root.resolve()}\ntrain: images/train\nval: images/val\nnames:\n  0: {CLASS_NAME}\n", encoding="utf-8"
    )
    return Dataset(yaml, train_list, sha256_file(train_list), len(train), len(val), aspect_range)


def finetune(base: Path, dataset: Dataset, runs: Path, settings: TrainSettings) -> Path:
    """Train with ultralytics on the CPU; returns the best checkpoint (by validation fitness)."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics.models import YOLO

    model: Any = YOLO(str(base), task="detect")
    model.train(**train_arguments(settings.as_dict(), dataset.yaml, runs))
    return best_checkpoint(runs)


# The ultralytics train() arguments taken from a training's settings (both detector trainings share them).
SCHEDULE_KEYS = ("epochs", "imgsz", "batch", "workers", "seed", "freeze", "lr0", "lrf", "warmup_epochs",
                 "warmup_bias_lr", "close_mosaic", "mosaic", "scale", "fliplr")


def train_arguments(schedule: dict[str, Any], data_yaml: Path, runs: Path) -> dict[str, Any]:
    """ultralytics train() arguments: the schedule's values, on the CPU, seeded, AdamW, disk cache, no plots."""
    return {
        "data": str(data_yaml), **{key: schedule[key] for key in SCHEDULE_KEYS},
        "device": "cpu", "deterministic": True, "optimizer": "AdamW", "cache": "disk", "amp": False,
        "plots": False, "project": str(runs.resolve()), "name": "train", "exist_ok": True, "verbose": True,
    }


def best_checkpoint(runs: Path) -> Path:
    """The best checkpoint of a finished run under `runs` (RuntimeError when training wrote none)."""
    best = runs / "train" / "weights" / "best.pt"
    if not best.is_file():
        raise RuntimeError(f"training wrote no {best}")
    return best


def recorded_settings(run_dir: Path, fallback: TrainSettings) -> TrainSettings:
    """The settings a finished run actually used (its args.yaml), else `fallback`."""
    try:
        args = yaml.safe_load((run_dir / "args.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return fallback
    if not isinstance(args, dict):
        return fallback
    known = {key: args[key] for key in fallback.as_dict() if key in args}
    return TrainSettings(**{**fallback.as_dict(), **known})


def store_weights_fp16(source: Path, destination: Path) -> int:
    """Rewrite float32 initializers as float16 + a Cast back to float32; returns how many were converted.

    onnxruntime folds the casts when it loads the model, so inference still runs in fp32; only the
    stored weights lose precision (about 3 significant digits), which halves the file.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    kept, casts, converted = [], [], 0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < FP16_MIN_ELEMENTS:
            kept.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), f"{init.name}__fp16")
        kept.append(half)
        cast = helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=f"{init.name}__cast")
        casts.append(cast)
        converted += 1
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = [*casts, *graph.node]
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(destination))
    return converted


def export(best: Path, output: Path, base: Path, dataset: Dataset, settings: TrainSettings, *, fp16: bool) -> Path:
    """best.pt -> output ONNX with this project's metadata (fp16-stored weights unless fp16 is False)."""
    fp32 = output.with_name(f"{output.stem}.fp32.onnx")
    export_to_onnx(best, fp32, description=SOURCE_TEXT, settings=ExportSettings(imgsz=640))
    extra = {
        "description": f"YOLOv8n licence-plate detector {SOURCE_TEXT}",
        BASE_WEIGHTS: FASTANPR_PLATE_DETECTOR.description,
        BASE_WEIGHTS_SHA256: sha256_file(base),
        TRAINING_LIST_SHA256: dataset.train_list_sha256,
        TRAINING_SETTINGS: json.dumps(
            {
                **settings.as_dict(),
                "train_images": dataset.train_images,
                "val_images": dataset.val_images,
                "aspect_range": list(dataset.aspect_range),
            },
            sort_keys=True,
        ),
        LICENSE_KEY: LICENSE,
    }
    if fp16:
        settings_json = json.loads(meta.read_metadata(fp32)[meta.EXPORT_SETTINGS])
        extra[meta.EXPORT_SETTINGS] = json.dumps({**settings_json, "weights": "fp16-stored"}, sort_keys=True)
        store_weights_fp16(fp32, output)
        meta.write_metadata(output, output, extra)
        fp32.unlink()
    else:
        meta.write_metadata(fp32, output, extra)
        fp32.unlink()
    return output


def _parser() -> argparse.ArgumentParser:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a *-train set (labels.jsonl with boxes)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="dataset and runs (gitignored build/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the exported ONNX")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="held-out share of plate texts")
    parser.add_argument(
        "--aspect-range", type=float, nargs=2, default=ASPECT_RANGE, metavar=("LOW", "HIGH"),
        help="width/height change of the 2nd and 3rd copy of each photo (1 1: off)",
    )
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--imgsz", type=int, default=defaults.imgsz)
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--freeze", type=int, default=defaults.freeze, help="freeze the first N layers")
    parser.add_argument("--lr0", type=float, default=defaults.lr0)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--fp32", action="store_true", help="store fp32 weights (twice the size)")
    parser.add_argument("--no-export", action="store_true", help="train only")
    parser.add_argument("--export-only", action="store_true", help="export the work dir's existing best.pt")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = TrainSettings(
        epochs=args.epochs, imgsz=args.imgsz, batch=args.batch, freeze=args.freeze, lr0=args.lr0, seed=args.seed
    )
    try:
        images = load_train_set(args.data.resolve())
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train, val = split_by_text(images, args.val_fraction, args.seed)
    low, high = args.aspect_range
    dataset = build_dataset(train, val, args.work_dir / "dataset", seed=args.seed, aspect_range=(low, high))
    log.info(
        "dataset: %d train, %d val images; training list sha256 %s",
        len(train), len(val), dataset.train_list_sha256,
    )
    base = find_package_file(FASTANPR_PLATE_DETECTOR)
    if sha256_file(base) != FASTANPR_PLATE_DETECTOR.sha256:
        print(f"error: {base} does not match the pinned sha256", file=sys.stderr)
        return 2
    if args.export_only:
        best = args.work_dir / "runs" / "train" / "weights" / "best.pt"
        if not best.is_file():
            print(f"error: {best} is absent: train first", file=sys.stderr)
            return 2
        settings = recorded_settings(best.parent.parent, settings)
    else:
        start = time.perf_counter()
        best = finetune(base, dataset, args.work_dir / "runs", settings)
        log.info("training took %.1f min; best weights %s", (time.perf_counter() - start) / 60, best)
    if not args.no_export:
        output = export(best, args.output, base, dataset, settings, fp16=not args.fp32)
        log.info("wrote %s (%.1f MB, sha256 %s)", output, output.stat().st_size / 1e6, sha256_file(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
