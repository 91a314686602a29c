"""Real training crops: loading the *-train sets, a validation split by plate text, augmentation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from server.datasets import is_verifiable, plate_box, read_labels
from training.synth.augment import Canvas, blur, lighting, resolution, sensor

TRAIN_SETS = (
    "indonesia-bdc2023-train",
    "indonesia-cy261219-train",
    "indonesia-exchioz-train",
    "indonesia-ilpr-train",
)
VALIDATION_PERCENT = 15


@dataclass(frozen=True)
class RealItem:
    """One labelled plate: the image it is in, its box (None when the image is the crop) and its text."""

    image: Canvas
    box: tuple[int, int, int, int] | None
    text: str
    file: str  # "<set>/<image>", for the training data hash
    foreign: bool = False  # a plate from elsewhere: known to have no date row
    pseudo: bool = False  # text agreed by independent readers (training/pseudo_labels.py), not by a person


def is_validation(text: str) -> bool:
    """Deterministic split by plate text, so copies of one plate never straddle it."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 100 < VALIDATION_PERCENT


def load_sets(root: Path, names: tuple[str, ...] = TRAIN_SETS) -> list[RealItem]:
    """Every verifiable plate of the named sets (only sets whose name ends in -train are accepted)."""
    items: list[RealItem] = []
    for name in names:
        if not name.endswith("-train"):
            raise ValueError(f"{name} is not a training set")
        folder = root / name
        for record in read_labels(folder):
            image = cv2.imread(str(folder / record["image"]), cv2.IMREAD_COLOR)
            if image is None:
                continue
            for plate in record["plates"]:
                if not is_verifiable(plate):
                    continue
                items.append(RealItem(np.asarray(image, np.uint8), plate_box(plate), plate["text"],
                                      f"{name}/{record['image']}"))
    return items


def load_pseudo(root: Path, path: Path, exclude: set[str]) -> list[RealItem]:
    """Pseudo-labelled plates (training/pseudo_labels.py output), none whose text is in `exclude`."""
    items: list[RealItem] = []
    if not path.is_file():
        return items
    images: dict[str, Canvas] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        name = record["set"]
        if not name.endswith("-train") or record["text"] in exclude:
            continue
        key = f"{name}/{record['image']}"
        if key not in images:
            image = cv2.imread(str(root / key), cv2.IMREAD_COLOR)
            if image is None:
                continue
            images[key] = np.asarray(image, np.uint8)
        x1, y1, x2, y2 = (int(v) for v in record["box"])
        items.append(RealItem(images[key], (x1, y1, x2, y2), record["text"], key, bool(record["foreign"]), True))
    return items


def fixed_crop(item: RealItem) -> Canvas:
    """The crop used for validation: the box with a tenth of its height around it (the evaluators' rule)."""
    if item.box is None:
        return item.image
    x1, y1, x2, y2 = item.box
    pad = max(2, (y2 - y1) // 10)
    h, w = item.image.shape[:2]
    return np.ascontiguousarray(item.image[max(0, y1 - pad) : min(h, y2 + pad), max(0, x1 - pad) : min(w, x2 + pad)])


def random_crop(item: RealItem, rng: np.random.Generator) -> Canvas:
    """The plate cut with small random margins (boxed plates) or a random trim/pad (tight crops)."""
    image = item.image
    h, w = image.shape[:2]
    if item.box is None:
        x1, y1, x2, y2 = 0, 0, w, h
        low, high = -0.05, 0.05
    else:
        x1, y1, x2, y2 = item.box
        low, high = -0.04, 0.16
    bw, bh = x2 - x1, y2 - y1
    left, right = rng.uniform(low, high, 2) * bw
    top, bottom = rng.uniform(low, high, 2) * bh
    pad = int(max(0.0, -min(x1 - left, y1 - top, w - x2 - right, h - y2 - bottom))) + 1
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    cx0, cy0 = int(x1 - left) + pad, int(y1 - top) + pad
    cx1, cy1 = int(np.ceil(x2 + right)) + pad, int(np.ceil(y2 + bottom)) + pad
    return np.ascontiguousarray(padded[cy0:cy1, cx0:cx1])


def warp(crop: Canvas, rng: np.random.Generator) -> Canvas:
    """A small perspective change (corners moved up to 6 %), rotation and width change; edges replicated."""
    h, w = crop.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = src + (rng.uniform(-0.06, 0.06, (4, 2)) * np.array([w, h])).astype(np.float32)
    angle = np.deg2rad(rng.normal(0, 2.5))
    centre = np.array([w / 2, h / 2], np.float32)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    dst = (dst - centre) @ rot.T + centre
    out_w = max(8, int(w * rng.uniform(0.75, 1.35)))
    dst[:, 0] *= out_w / w
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    return np.asarray(cv2.warpPerspective(crop, matrix, (out_w, h), borderMode=cv2.BORDER_REPLICATE), np.uint8)


def augment(item: RealItem, rng: np.random.Generator, resample: float = 0.0) -> Canvas:
    """One randomly augmented training crop of a real plate.

    `resample`: the share of crops resampled to a camera-like width (56-280 px, as synthetic plates are)
    instead of shrunk by at most half: the real sets' crops are mostly large (ILPR's are 602 px wide),
    while a plate seen from a distance is 50-100 px wide.
    """
    crop = random_crop(item, rng)
    if rng.random() < 0.7:
        crop = warp(crop, rng)
    if rng.random() < 0.7:
        crop = lighting(crop, rng)
    if rng.random() < 0.5:
        crop = blur(crop, rng)
    if resample and rng.random() < resample:
        return sensor(resolution(crop, rng), rng)
    if rng.random() < 0.3:
        h, w = crop.shape[:2]
        f = rng.uniform(0.45, 0.9)
        size = (max(8, int(w * f)), max(4, int(h * f)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
    return sensor(crop, rng)


def background_pool(items: list[RealItem]) -> list[Canvas]:
    """Street photos (one per plate text) with their plate painted over, as synthetic backgrounds."""
    seen: set[str] = set()
    pool: list[Canvas] = []
    for item in items:
        if item.box is None or item.text in seen:
            continue
        seen.add(item.text)
        photo = item.image.copy()
        x1, y1, x2, y2 = item.box
        region = photo[y1:y2, x1:x2]
        if region.size:
            photo[y1:y2, x1:x2] = region.reshape(-1, 3).mean(axis=0).astype(np.uint8)
        pool.append(photo)
    return pool
