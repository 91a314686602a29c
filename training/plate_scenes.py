"""Plate boxes of every `*-train` set of scene photos, their validation split, and wide scene composites.

The unified detector's plate branch learns from:
- `indonesia-exchioz-train`: 600 Indonesian street photos (200 photos x 3 photometric copies, 416x416),
  one labelled plate each; split by plate text;
- `indonesia-platetrack-train`: 514 Indonesian close-ups (640x640, stretched by the source), cars and
  36 motorcycles; split by blocks of neighbouring photos (the README: series of one car are neighbours);
- `romania-dashcam-train`: 124 dash-camera street scenes at 1280x720, 74 at night, small plates; split
  by one-minute blocks of a ride;
- composites: 1280x720 dash-camera frames of the training split with several training photos pasted in
  at the sizes vehicles have in a wide street view, so small plates and several per frame are common.

Every photo's labelled plates are joined by the background plates the current plate detector finds at
high confidence (the sets box only the main vehicle's plate): `unified_labels.merge_labels`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from server.datasets import plate_box, read_labels

PixelBox = tuple[int, int, int, int]

EXCHIOZ = "indonesia-exchioz-train"
PLATETRACK = "indonesia-platetrack-train"
ROMANIA = "romania-dashcam-train"
SCENE_SETS = (EXCHIOZ, PLATETRACK, ROMANIA)
PLATETRACK_BLOCK = 20  # neighbouring photos per split unit
RIDE_BLOCK_S = 60  # seconds of a ride per split unit
COMPOSITE_SIZE = (1280, 720)
# Width of a pasted photo in the 1280x720 frame (a close-up of one vehicle seen from a street camera).
PASTE_WIDTH = (200, 460)
PASTES = (3, 5)
PLACEMENT_TRIES = 30


@dataclass(frozen=True)
class SceneImage:
    """One training photo: where it is, its labelled plate boxes and its split unit."""

    name: str
    path: Path
    plates: tuple[PixelBox, ...]
    group: str
    source_set: str


@dataclass(frozen=True)
class Composite:
    """A wide frame made of a background and pasted photos, with every plate box in frame pixels."""

    name: str
    background: SceneImage
    pastes: tuple[tuple[SceneImage, PixelBox], ...]  # photo and where it goes (x1, y1, x2, y2)
    plates: tuple[PixelBox, ...] = field(default=())


def _group(set_name: str, record: dict[str, object]) -> str:
    if set_name == EXCHIOZ:
        plates = record.get("plates") or [{}]
        return f"text:{plates[0].get('text', '')}"  # type: ignore[index]
    if set_name == PLATETRACK:
        number = int(str(record["image"]).split("_")[1].split(".")[0])
        return f"block:{number // PLATETRACK_BLOCK}"
    return f"ride:{record.get('source_video', '')}:{int(record.get('t_s', 0)) // RIDE_BLOCK_S}"  # type: ignore[call-overload]


def load_scene_set(data_dir: Path) -> list[SceneImage]:
    """The photos of one `-train` scene set that carry plate boxes; refuses any other set."""
    if not data_dir.name.endswith("-train"):
        raise ValueError(f"{data_dir.name} is not a training set (its name must end in -train)")
    images = []
    for record in read_labels(data_dir):
        boxes = tuple(box for p in record["plates"] if (box := plate_box(p)) is not None)
        if boxes:
            images.append(SceneImage(f"{data_dir.name}/{record['image']}", data_dir / record["image"], boxes,
                                     _group(data_dir.name, record), data_dir.name))
    return images


def split_groups(images: Sequence[SceneImage], val_fraction: float, seed: int
                 ) -> tuple[list[SceneImage], list[SceneImage]]:
    """Train and validation photos; all photos of one group land on the same side (per set, seeded)."""
    held: set[tuple[str, str]] = set()
    for set_name in sorted({i.source_set for i in images}):
        groups = sorted({i.group for i in images if i.source_set == set_name})
        random.Random(f"{seed}:{set_name}").shuffle(groups)
        held.update((set_name, g) for g in groups[: max(1, round(len(groups) * val_fraction))])
    train = [i for i in images if (i.source_set, i.group) not in held]
    val = [i for i in images if (i.source_set, i.group) in held]
    return train, val


def _overlaps(a: PixelBox, b: PixelBox) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def plan_composites(
    backgrounds: Sequence[SceneImage],
    photos: Sequence[SceneImage],
    count: int,
    seed: int,
    labels: Callable[[SceneImage], Sequence[PixelBox]],
    sizes: Callable[[SceneImage], tuple[int, int]],
) -> list[Composite]:
    """`count` composites, seeded: each a background with 3-5 photos pasted where they cover no plate.

    `labels` gives a photo's plate boxes (labelled and pseudo-labelled), `sizes` its (width, height).
    A pasted photo keeps its aspect; it goes in the lower two thirds of the frame (the road).
    """
    if not backgrounds or not photos:
        raise ValueError("composites need at least one background and one photo")
    rng = random.Random(seed)
    frame_w, frame_h = COMPOSITE_SIZE
    out = []
    for number in range(count):
        background = backgrounds[number % len(backgrounds)]
        bw, bh = sizes(background)
        sx, sy = frame_w / bw, frame_h / bh
        occupied = [(round(b[0] * sx), round(b[1] * sy), round(b[2] * sx), round(b[3] * sy))
                    for b in labels(background)]
        plates = list(occupied)
        pastes: list[tuple[SceneImage, PixelBox]] = []
        for _ in range(rng.randint(*PASTES)):
            photo = photos[rng.randrange(len(photos))]
            pw, ph = sizes(photo)
            width = rng.randint(*PASTE_WIDTH)
            height = max(8, round(width * ph / pw))
            for _ in range(PLACEMENT_TRIES):
                x = rng.randint(0, frame_w - width)
                y = rng.randint(frame_h // 3, max(frame_h // 3, frame_h - height))
                rect = (x, y, x + width, min(frame_h, y + height))
                if not any(_overlaps(rect, other) for other in occupied):
                    break
            else:
                continue
            occupied.append(rect)
            pastes.append((photo, rect))
            fx, fy = width / pw, height / ph
            plates.extend((round(x + b[0] * fx), round(y + b[1] * fy), round(x + b[2] * fx), round(y + b[3] * fy))
                          for b in labels(photo))
        kept = [p for p in plates if p[3] <= frame_h and p[2] <= frame_w]
        out.append(Composite(f"composite_{number:04d}.jpg", background, tuple(pastes), tuple(kept)))
    return out


def render_composite(composite: Composite, read: Callable[[Path], np.ndarray]) -> np.ndarray:
    """The composite's pixels: the background resized to 1280x720 with each photo pasted at its place."""
    frame_w, frame_h = COMPOSITE_SIZE
    canvas = cv2.resize(read(composite.background.path), (frame_w, frame_h), interpolation=cv2.INTER_AREA)
    for photo, (x1, y1, x2, y2) in composite.pastes:
        pixels = read(photo.path)
        full_h = round((x2 - x1) * pixels.shape[0] / pixels.shape[1])
        resized = cv2.resize(pixels, (x2 - x1, max(1, full_h)), interpolation=cv2.INTER_AREA)
        canvas[y1:y2, x1:x2] = resized[: y2 - y1]
    return np.ascontiguousarray(canvas)
