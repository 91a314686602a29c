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


# ---- traffic kinds: several vehicles on screen, stops, occluders, night, low frame rates -------------
KINDS = ("spaced", "succession", "side_by_side", "gate_stop", "occlusion", "dark", "fps5")
KIND_NOTES = {
    "spaced": "one after another with 0.8-1.5 s of empty road between them",
    "succession": "one after another at the same spot, 0-1 s apart (a gate, a toll lane, a queue)",
    "side_by_side": "two vehicles at a time in two lanes, entering within 0.3 s of each other",
    "gate_stop": "each vehicle stops for 10 s in view (a barrier), then drives on",
    "occlusion": "a bus-sized occluder sweeps across each vehicle once (about 0.3 s hidden)",
    "dark": "night / IR-grey frames: dim, colourless, sensor noise",
    "fps5": "a 5 fps stream",
}


@dataclass(frozen=True)
class Motion:
    """One vehicle's path through a scene, in frames from its first frame."""

    start: int
    approach: int
    exit: int
    lane: float = 0.0  # x offset of the lane centre (pixels)
    drift: float = 0.0  # sideways drift over the approach (pixels)
    scales: tuple[float, float] = (0.45, 1.5)
    stop_at: int = -1  # approach frame at which it stops (-1: never)
    stop: int = 0  # frames standing

    @property
    def frames(self) -> int:
        """Frames in view."""
        return self.approach + self.stop + self.exit

    def progress(self, i: int) -> tuple[int, bool]:
        """The path frame shown at frame i of the vehicle, and whether it is standing."""
        if 0 <= self.stop_at <= i < self.stop_at + self.stop:
            return self.stop_at, True
        return (i - self.stop if self.stop_at >= 0 and i >= self.stop_at + self.stop else i), False

    def pose(self, i: int, width: int, height: int, patch_height: int) -> tuple[float, int, int]:
        """(scale, centre x, centre y) at frame i of the vehicle."""
        j, _ = self.progress(i)
        p = min(1.0, j / max(1, self.approach - 1))
        scale = self.scales[0] + (self.scales[1] - self.scales[0]) * p
        cx = width / 2 + self.lane + self.drift * p
        cy = height * (0.32 + 0.22 * p)
        if j >= self.approach:  # leaving through the bottom of the frame
            cy += (j - self.approach + 1) / max(1, self.exit) * (height - cy + patch_height * scale / 2 + 10)
        return scale, int(cx), int(cy)


def _schedule(kind: str, count: int, fps: float, width: int, rng: random.Random) -> list[Motion]:
    """The kind's vehicles: when each enters and how it moves."""
    approach, exit_ = round(2.5 * fps), max(1, round(0.4 * fps))
    motions: list[Motion] = []
    t = round(rng.uniform(0.8, 1.5) * fps)
    i = 0
    while i < count:
        if kind == "side_by_side":
            for lane in (-0.24 * width, 0.24 * width)[:count - i]:
                motions.append(Motion(t + round(rng.uniform(0, 0.3) * fps), approach, exit_, lane=lane,
                                      drift=rng.uniform(-0.03, 0.03) * width,
                                      scales=(rng.uniform(0.35, 0.42), rng.uniform(1.0, 1.12))))
                i += 1
        elif kind == "gate_stop":
            motions.append(Motion(t, approach, exit_, drift=rng.uniform(-0.06, 0.06) * width,
                                  scales=(rng.uniform(0.4, 0.5), rng.uniform(1.35, 1.6)),
                                  stop_at=round(0.6 * approach), stop=round(10 * fps)))
            i += 1
        else:
            motions.append(Motion(t, approach, exit_, drift=rng.uniform(-0.12, 0.12) * width,
                                  scales=(rng.uniform(0.4, 0.5), rng.uniform(1.35, 1.6))))
            i += 1
        end = max(m.start + m.frames for m in motions)
        gap = (0.0, 1.0) if kind == "succession" else (0.8, 1.5)
        t = end + round(rng.uniform(*gap) * fps)
    return motions


def _occluder(frame: Image, k: int, frames: int, rng_seed: int) -> None:
    """A bus-sized dark block with windows crossing the frame from left to right (k of `frames`)."""
    height, width = frame.shape[:2]
    w, h = int(0.55 * width), int(0.75 * height)
    x = int(-w + (width + w) * k / max(1, frames - 1))
    y = int(0.12 * height) + rng_seed % 20
    cv2.rectangle(frame, (x, y), (x + w, y + h), (40, 48, 58), -1)
    for wx in range(x + 20, x + w - 60, 90):
        cv2.rectangle(frame, (wx, y + 30), (wx + 60, y + 110), (95, 100, 105), -1)


def _night(frame: Image, rng: np.random.Generator) -> Image:
    """An IR-grey night frame: colourless, dim, noisy."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32) * 0.55 + 10
    gray += np.asarray(rng.normal(0, 6, gray.shape), dtype=np.float32)
    out = np.clip(gray, 0, 255).astype(np.uint8)
    return cast(Image, cv2.cvtColor(out, cv2.COLOR_GRAY2BGR))


def make_kind_video(kind: str, photos: Sequence[Photo], path: Path, *, fps: float = 10.0,
                    size: tuple[int, int] = (1280, 720), seed: int = 0) -> VideoPlan:
    """One video of a traffic kind (KINDS) with the photos' vehicles; writes it and its truth JSON."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    fps = 5.0 if kind == "fps5" else fps
    width, height = size
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    background = road(width, height, noise)
    motions = _schedule(kind, len(photos), fps, width, rng)
    images = []
    for photo in photos:
        loaded = cv2.imread(str(photo.path), cv2.IMREAD_COLOR)
        if loaded is None:
            raise ValueError(f"cannot read {photo.path}")
        images.append(cast(Image, loaded))
    hidden = [set(range(o, o + rng.randint(1, 3))) for o in
              (rng.randint(m.approach // 3, 2 * m.approach // 3) for m in motions)]
    sweeps = [m.start + rng.randint(m.approach // 3, 2 * m.approach // 3) for m in motions]
    sweep_frames = max(2, round(0.6 * fps))
    total = max(m.start + m.frames for m in motions) + round(1.5 * fps)

    def frames() -> Iterator[Image]:
        for t in range(total):
            frame = background.copy()
            shown = []
            for n, m in enumerate(motions):
                i = t - m.start
                if 0 <= i < m.frames:
                    scale, cx, cy = m.pose(i, width, height, images[n].shape[0])
                    shown.append((scale, n, i, cx, cy))
            for scale, n, i, cx, cy in sorted(shown):  # far (small) vehicles first
                _, standing = motions[n].progress(i)
                jitter = 1 if standing else 4
                patch = cast(Image, cv2.resize(images[n], None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR))
                x, y = cx + rng.randint(-jitter, jitter), cy + rng.randint(-jitter, jitter)
                _paste(frame, _degrade(patch, rng), x, y)
                if i in hidden[n] and kind != "occlusion":
                    h, w = patch.shape[:2]
                    cv2.rectangle(frame, (x - int(0.45 * w), y - int(0.4 * h)), (x + int(0.45 * w), y + h // 2),
                                  (45, 45, 50), -1)
            if kind == "occlusion":
                for n, start in enumerate(sweeps):
                    if start <= t < start + sweep_frames:
                        _occluder(frame, t - start, sweep_frames, n)
            yield _night(frame, noise) if kind == "dark" else frame

    path.parent.mkdir(parents=True, exist_ok=True)
    count = write_video(path, frames(), fps, width, height)
    appearances = tuple(Appearance(p.plate, p.path.name, m.start / fps, (m.start + m.frames) / fps)
                        for p, m in zip(photos, motions, strict=True))
    plan = VideoPlan(path, fps, width, height, count, appearances)
    path.with_suffix(".json").write_text(json.dumps({**plan.truth(), "kind": kind}, indent=2), encoding="utf-8")
    return plan


def make_set(set_name: str, out: Path, *, per_video: int = 8, fps: float = 10.0,
             size: tuple[int, int] = (1280, 720), limit: int = 0, root: Path = DATA_ROOT,
             distinct: bool = False, kind: str = "") -> list[VideoPlan]:
    """Videos of every photo of a set, `per_video` vehicles each (`distinct`: one photo per plate text);
    `kind` (KINDS): the traffic kind (make_kind_video); "" the classic spaced approach videos (make_video)."""
    photos = load_photos(set_name, root)
    if distinct:  # sets with several copies of one photo (e.g. *-train) would show one plate in a row
        firsts: dict[str, Photo] = {}
        for photo in photos:
            firsts.setdefault(photo.plate, photo)
        photos = list(firsts.values())
    if limit:
        photos = photos[:limit]
    if kind:
        return [make_kind_video(kind, photos[i:i + per_video], out / f"{set_name}_{kind}_{i // per_video:02d}.mp4",
                                fps=fps, size=size, seed=i)
                for i in range(0, len(photos), per_video)]
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
    parser.add_argument("--kind", choices=KINDS, default=None,
                        help="a traffic kind: " + "; ".join(f"{k}: {v}" for k, v in KIND_NOTES.items()))
    args = parser.parse_args()
    for plan in make_set(args.set, args.out, per_video=args.per_video, fps=args.fps, limit=args.limit,
                         distinct=args.distinct, kind=args.kind or ""):
        print(f"{plan.path}: {plan.frames} frames, {len(plan.vehicles)} vehicles")


if __name__ == "__main__":
    main()
