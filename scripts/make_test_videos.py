"""Test videos made from real photos: vehicles approaching a 1280x720 camera one after another.

Each photo of a labelled set (e.g. ../shared/data/indonesia-exchioz) becomes one "vehicle": pasted on
a synthetic road, it grows from about 0.45x to 1.5x its size over `approach_s` seconds while drifting
sideways and down (an approaching vehicle), with per-frame jitter, occasional motion blur, JPEG noise
on every frame and a few occluded frames, then slides out of the bottom of the frame. Vehicles follow
one another with a gap of empty road. Frames are encoded with a real codec through PyAV (H.264 in MP4
by default; the container follows the file's suffix) and a `.json` beside each video holds the truth:
which plate is in view when.

    python scripts/make_test_videos.py --set indonesia-exchioz --per-video 8 --out /tmp/videos
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import av.video.stream
import cv2
import numpy as np

from server.domain import Image

DATA_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx", ".avi": "mpeg4"}


@dataclass(frozen=True)
class Photo:
    """One labelled photo: its file and the plate text it shows."""

    path: Path
    plate: str


@dataclass(frozen=True)
class Appearance:
    """A vehicle in a video: its plate, its photo, when it enters and when it has left (seconds)."""

    plate: str
    image: str
    enter_s: float
    leave_s: float


@dataclass(frozen=True)
class VideoPlan:
    """A written video and its truth."""

    path: Path
    fps: float
    width: int
    height: int
    frames: int
    vehicles: tuple[Appearance, ...]

    def truth(self) -> dict[str, object]:
        """The JSON written beside the video."""
        return {"video": self.path.name, "fps": self.fps, "width": self.width, "height": self.height,
                "frames": self.frames, "vehicles": [asdict(v) for v in self.vehicles]}


def load_photos(set_name: str, root: Path = DATA_ROOT) -> list[Photo]:
    """The set's photos with exactly one verifiable labelled plate, in label order."""
    photos = []
    for line in (root / set_name / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        plates = record.get("plates") or []
        if len(plates) != 1 or plates[0].get("unverifiable"):
            continue
        photos.append(Photo(root / set_name / record["image"], plates[0]["text"]))
    return photos


def road(width: int, height: int, rng: np.random.Generator) -> Image:
    """A grey road with lane marks and fine noise (the empty scene)."""
    base = np.linspace(70, 120, height, dtype=np.float32)[:, None].repeat(width, axis=1)
    scene = np.stack([base, base, base * 1.02], axis=2)
    scene += np.asarray(rng.normal(0, 6, scene.shape), dtype=np.float32)
    canvas = np.clip(scene, 0, 255).astype(np.uint8)
    for x in (width // 3, 2 * width // 3):
        for y in range(0, height, 80):
            cv2.line(canvas, (x, y), (x + (x - width // 2) // 8, y + 40), (220, 220, 220), 6)
    return canvas


def _paste(canvas: Image, patch: Image, cx: int, cy: int) -> None:
    """Paste patch centred at (cx, cy), clipped to the canvas."""
    h, w = patch.shape[:2]
    x1, y1 = cx - w // 2, cy - h // 2
    sx1, sy1 = max(0, -x1), max(0, -y1)
    dx1, dy1 = max(0, x1), max(0, y1)
    dx2, dy2 = min(canvas.shape[1], x1 + w), min(canvas.shape[0], y1 + h)
    if dx2 > dx1 and dy2 > dy1:
        canvas[dy1:dy2, dx1:dx2] = patch[sy1:sy1 + dy2 - dy1, sx1:sx1 + dx2 - dx1]


def _degrade(patch: Image, rng: random.Random) -> Image:
    """Motion blur on some frames, JPEG noise on every frame."""
    if rng.random() < 0.2:
        k = rng.choice((5, 7, 9))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        patch = cast(Image, cv2.filter2D(patch, -1, kernel))
    ok, jpeg = cv2.imencode(".jpg", patch, [int(cv2.IMWRITE_JPEG_QUALITY), rng.randint(35, 75)])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
    return cast(Image, decoded) if decoded is not None else patch


def approach(photo: Image, background: Image, fps: float, approach_s: float, exit_s: float,
             rng: random.Random) -> Iterator[Image]:
    """Frames of one vehicle approaching (growing, drifting, jittering), then leaving at the bottom."""
    height, width = background.shape[:2]
    n_in, n_out = max(2, round(approach_s * fps)), max(1, round(exit_s * fps))
    drift = rng.uniform(-0.12, 0.12) * width
    start_scale, end_scale = rng.uniform(0.4, 0.5), rng.uniform(1.35, 1.6)
    occluded_from = rng.randint(n_in // 3, max(n_in // 3, 2 * n_in // 3))
    occluded = set(range(occluded_from, occluded_from + rng.randint(1, 3)))
    for i in range(n_in + n_out):
        p = min(1.0, i / (n_in - 1))
        scale = start_scale + (end_scale - start_scale) * p
        patch = cast(Image, cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR))
        cx = int(width / 2 + drift * p + rng.randint(-4, 4))
        cy = int(height * (0.32 + 0.22 * p) + rng.randint(-4, 4))
        if i >= n_in:  # leaving through the bottom of the frame
            cy += int((i - n_in + 1) / n_out * (height - cy + patch.shape[0] // 2 + 10))
        frame = background.copy()
        _paste(frame, _degrade(patch, rng), cx, cy)
        if i in occluded:  # something passes in front: most of the vehicle hidden
            h, w = patch.shape[:2]
            cv2.rectangle(frame, (cx - int(0.45 * w), cy - int(0.4 * h)), (cx + int(0.45 * w), cy + h // 2),
                          (45, 45, 50), -1)
        yield frame


def write_video(path: Path, frames: Iterator[Image], fps: float, width: int, height: int) -> int:
    """Encode BGR frames into path (codec from the suffix); returns the frame count."""
    codec = CODECS[path.suffix.lower()]
    count = 0
    with av.open(str(path), mode="w") as container:
        stream = cast(av.video.stream.VideoStream,
                      container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001)))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "23", "preset": "veryfast"}
        elif codec == "libvpx":
            stream.options = {"crf": "10", "b": "2M", "deadline": "realtime", "cpu-used": "8"}
        else:
            stream.bit_rate = 4_000_000
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
            count += 1
        for packet in stream.encode():
            container.mux(packet)
    return count


def make_video(photos: Sequence[Photo], path: Path, *, fps: float = 10.0, size: tuple[int, int] = (1280, 720),
               approach_s: float = 2.5, exit_s: float = 0.4, gap_s: tuple[float, float] = (0.8, 1.5),
               seed: int = 0) -> VideoPlan:
    """One video with the photos' vehicles one after another; writes it and its truth JSON."""
    width, height = size
    rng = random.Random(seed)
    background = road(width, height, np.random.default_rng(seed))
    appearances: list[Appearance] = []
    per_vehicle = round(approach_s * fps) + round(exit_s * fps)

    def frames() -> Iterator[Image]:
        t = 0
        for photo in photos:
            for _ in range(round(rng.uniform(*gap_s) * fps)):
                t += 1
                yield background
            loaded = cv2.imread(str(photo.path), cv2.IMREAD_COLOR)
            if loaded is None:
                raise ValueError(f"cannot read {photo.path}")
            image = cast(Image, loaded)
            appearances.append(Appearance(photo.plate, photo.path.name, t / fps, (t + per_vehicle) / fps))
            for frame in approach(image, background, fps, approach_s, exit_s, rng):
                t += 1
                yield frame
        for _ in range(round(gap_s[1] * fps)):  # empty road at the end: the last vehicle's loss is seen
            yield background

    path.parent.mkdir(parents=True, exist_ok=True)
    count = write_video(path, frames(), fps, width, height)
    plan = VideoPlan(path, fps, width, height, count, tuple(appearances))
    path.with_suffix(".json").write_text(json.dumps(plan.truth(), indent=2), encoding="utf-8")
    return plan


def make_set(set_name: str, out: Path, *, per_video: int = 8, fps: float = 10.0,
             size: tuple[int, int] = (1280, 720), limit: int = 0, root: Path = DATA_ROOT,
             distinct: bool = False) -> list[VideoPlan]:
    """Videos of every photo of a set, `per_video` vehicles each (`distinct`: one photo per plate text)."""
    photos = load_photos(set_name, root)
    if distinct:  # sets with several copies of one photo (e.g. *-train) would show one plate in a row
        firsts: dict[str, Photo] = {}
        for photo in photos:
            firsts.setdefault(photo.plate, photo)
        photos = list(firsts.values())
    if limit:
        photos = photos[:limit]
    return [
        make_video(photos[i:i + per_video], out / f"{set_name}_{i // per_video:02d}.mp4", fps=fps, size=size,
                   seed=i)
        for i in range(0, len(photos), per_video)
    ]


def main() -> None:
    """Command line: write a set's videos and truth files."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="indonesia-exchioz")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-video", type=int, default=8)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos")
    parser.add_argument("--distinct", action="store_true", help="only the first photo of each plate text")
    args = parser.parse_args()
    for plan in make_set(args.set, args.out, per_video=args.per_video, fps=args.fps, limit=args.limit,
                         distinct=args.distinct):
        print(f"{plan.path}: {plan.frames} frames, {len(plan.vehicles)} vehicles")


if __name__ == "__main__":
    main()
