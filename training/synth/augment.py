"""Degradations that turn a flat plate into a camera crop: pose, background, crop, light, blur, noise, JPEG."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

Canvas = npt.NDArray[np.uint8]
Quad = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float64]


def procedural_background(h: int, w: int, rng: np.random.Generator) -> Canvas:
    """Car-body-like surroundings: a colour gradient, a few bars and blobs, some grain."""
    corners = rng.integers(0, 256, (2, 2, 3)).astype(np.uint8)
    out = cv2.resize(corners, (w, h), interpolation=cv2.INTER_LINEAR)
    for _ in range(int(rng.integers(0, 5))):
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        p0 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if rng.random() < 0.5:
            cv2.rectangle(out, p0, p1, color, -1)
        else:
            cv2.line(out, p0, p1, color, int(rng.integers(1, 12)))
    grain = rng.standard_normal((h // 4 + 1, w // 4 + 1, 3), dtype=np.float32) * rng.uniform(0, 14)
    blotches = cv2.resize(grain, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(np.clip(out.astype(np.float32) + blotches, 0, 255), dtype=np.uint8)


def background_patch(h: int, w: int, rng: np.random.Generator, pool: Sequence[Canvas]) -> Canvas:
    """A random h x w region of a random real photo (resized up when the photo is smaller)."""
    photo = pool[int(rng.integers(len(pool)))]
    ph, pw = photo.shape[:2]
    scale = max(h / ph, w / pw, float(rng.uniform(0.5, 1.5)))
    if scale != 1.0:
        photo = np.asarray(cv2.resize(photo, (max(w, round(pw * scale)), max(h, round(ph * scale)))), np.uint8)
        ph, pw = photo.shape[:2]
    y = int(rng.integers(0, ph - h + 1))
    x = int(rng.integers(0, pw - w + 1))
    return np.ascontiguousarray(photo[y : y + h, x : x + w])


def scene_size(h: int, w: int) -> tuple[int, int]:
    """(height, width) of the scene a plate of h x w is posed in: room for rotation and loose crops."""
    margin = int(0.3 * w + 0.5 * h)
    return h + 2 * margin, w + 2 * margin


def pose(
    plate: Canvas, rng: np.random.Generator, background: Canvas | None = None, strength: float = 1.0
) -> tuple[Canvas, Quad, Matrix]:
    """The plate warped (perspective, rotation, shear; scaled by `strength`) onto a background.

    Returns the scene, the plate's corners in it and the plate-to-scene homography.
    """
    h, w = plate.shape[:2]
    H, W = scene_size(h, w)
    canvas = background if background is not None else procedural_background(H, W, rng)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    jitter = rng.uniform(-1, 1, (4, 2)) * np.array([w * 0.05, h * 0.09]) * rng.uniform(0, 1) * strength
    angle = np.deg2rad(rng.normal(0, 3.5) if rng.random() < 0.8 else rng.uniform(-10, 10)) * strength
    shear = rng.normal(0, 0.08) * strength
    centred = src - np.array([w / 2, h / 2], np.float32) + jitter
    centred[:, 0] += shear * centred[:, 1]
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (centred @ rot.T + np.array([W / 2, H / 2])).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    out = canvas.copy()
    cv2.warpPerspective(plate, matrix, (W, H), dst=out, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
    return out, dst, np.asarray(matrix, np.float64)


def crop_around(
    image: Canvas, quad: Quad, rng: np.random.Generator, loose_probability: float = 0.35
) -> tuple[Canvas, tuple[int, int]]:
    """The plate's bounding box with random margins (mostly tight, may clip the rim), and its top-left corner."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    bw, bh = x1 - x0, y1 - y0
    low, high = (0.0, 0.28) if rng.random() < loose_probability else (-0.02, 0.08)
    left, right = rng.uniform(low, high, 2) * bw
    top, bottom = rng.uniform(low, high, 2) * bh
    H, W = image.shape[:2]
    cx0, cy0 = max(0, int(x0 - left)), max(0, int(y0 - top))
    cx1, cy1 = min(W, int(np.ceil(x1 + right))), min(H, int(np.ceil(y1 + bottom)))
    return np.ascontiguousarray(image[cy0:cy1, cx0:cx1]), (cx0, cy0)


def lighting(image: Canvas, rng: np.random.Generator) -> Canvas:
    """Exposure, contrast, gamma, colour cast, a shadow gradient and sometimes glare or dirt."""
    f = image.astype(np.float32)
    f = f * rng.uniform(0.55, 1.3) + rng.uniform(-35, 35)
    f += rng.normal(0, 10, 3).astype(np.float32)
    h, w = f.shape[:2]
    if rng.random() < 0.35:
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        t = (xx / max(w, 1)) * np.cos(angle) + (yy / max(h, 1)) * np.sin(angle)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
        f *= (1 - rng.uniform(0.2, 0.6) * t)[..., None]
    if rng.random() < 0.2:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        s = rng.uniform(0.1, 0.45) * max(w, h)
        f += (rng.uniform(60, 200) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s)))[..., None]
    if rng.random() < 0.15:
        n = int(rng.integers(5, 40))
        for _ in range(n):
            cv2.circle(f, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(1, 4)),
                       tuple(float(v) for v in rng.uniform(0, 120, 3)), -1)
    f = np.clip(f, 0, 255)
    gamma = rng.uniform(0.7, 1.5)
    return (255.0 * (f / 255.0) ** gamma).astype(np.uint8)


def blur(image: Canvas, rng: np.random.Generator) -> Canvas:
    """Defocus or motion blur (or none)."""
    r = rng.random()
    if r < 0.45:
        return image
    if r < 0.8:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 2.0)), np.uint8)
    k = int(rng.integers(3, 10))
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0 / k
    center = (k / 2 - 0.5, k / 2 - 0.5)
    rot = cv2.getRotationMatrix2D(center, float(rng.uniform(0, 180)), 1.0)
    kernel = np.asarray(cv2.warpAffine(kernel, rot, (k, k)), np.float32)
    kernel /= max(float(kernel.sum()), 1e-6)
    return np.asarray(cv2.filter2D(image, -1, kernel), np.uint8)


def resolution(image: Canvas, rng: np.random.Generator) -> Canvas:
    """Resampled to a camera-like size (log-uniform 56-280 px wide) with a random horizontal squeeze."""
    h, w = image.shape[:2]
    target_w = float(np.exp(rng.uniform(np.log(56), np.log(280))))
    squeeze = rng.uniform(0.75, 1.3)
    new_w = max(8, round(target_w))
    new_h = max(4, round(target_w * h / max(w, 1) * squeeze))
    interpolation = cv2.INTER_AREA if new_w < w else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(image, (new_w, new_h), interpolation=interpolation), np.uint8)


def sensor(image: Canvas, rng: np.random.Generator) -> Canvas:
    """Gaussian noise then JPEG compression."""
    out = image
    if rng.random() < 0.6:
        noisy = out.astype(np.float32) + rng.normal(0, rng.uniform(2, 14), out.shape)
        out = np.clip(noisy, 0, 255).astype(np.uint8)
    if rng.random() < 0.75:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 96))])
        if ok:
            out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), dtype=np.uint8)
    return out


def degrade(crop: Canvas, rng: np.random.Generator) -> Canvas:
    """Photometric part of the pipeline, also used on real training crops."""
    return sensor(resolution(blur(lighting(crop, rng), rng), rng), rng)


def degrade_lightly(crop: Canvas, rng: np.random.Generator) -> Canvas:
    """Curriculum samples: a sharp, well-lit crop 100-220 px wide, mildly compressed."""
    h, w = crop.shape[:2]
    new_w = int(rng.integers(100, 221))
    size = (new_w, max(8, round(new_w * h / max(w, 1))))
    out = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 96))])
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), dtype=np.uint8) if ok else out


def infrared(image: Canvas, rng: np.random.Generator) -> Canvas:
    """A night/IR-camera look: grey, hard contrast (reflective plate bright), heavy noise."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    lo, hi = np.percentile(grey, (rng.uniform(1, 10), rng.uniform(90, 99)))
    grey = (grey - lo) / max(float(hi - lo), 1.0) * 255.0
    grey += rng.normal(0, rng.uniform(4, 20), grey.shape)
    out = np.clip(grey, 0, 255).astype(np.uint8)
    return np.asarray(cv2.cvtColor(out, cv2.COLOR_GRAY2BGR), np.uint8)
