"""Pre-processing that reproduces ultralytics' LetterBox and predictor input conversion exactly.

Resize with cv2.INTER_LINEAR to `round(side * r)` (at least 1 px), pad with 114 split around the
centre (`round(d/2 - 0.1)` before, `round(d/2 + 0.1)` after), then BGR->RGB, /255, NCHW float32.
With `auto` the padding is only what makes each side a multiple of the stride (ultralytics uses
that for `.pt` and dynamic-shape models when all images share a shape); the default is the fixed
square path ultralytics takes for fixed-input ONNX models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from server.domain import Image

PAD_VALUE = 114
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LetterboxParams:
    """How one image was placed in the network input; enough to map boxes back."""

    original: tuple[int, int]
    resized: tuple[int, int]
    padded: tuple[int, int]
    top: int
    left: int

    @property
    def gain_x(self) -> float:
        """Horizontal scale from the original to the resized image."""
        return self.resized[1] / self.original[1]

    @property
    def gain_y(self) -> float:
        """Vertical scale from the original to the resized image."""
        return self.resized[0] / self.original[0]


def letterbox_params(
    shape: tuple[int, int],
    new_shape: tuple[int, int],
    *,
    auto: bool = False,
    stride: int = 32,
    scaleup: bool = True,
) -> LetterboxParams:
    """Placement of an image of `shape` (h, w) in an input of `new_shape` (h, w)."""
    height, width = shape
    if height <= 0 or width <= 0:
        raise ValueError(f"image shape must be positive, got {shape}")
    ratio = min(new_shape[0] / height, new_shape[1] / width)
    if not scaleup:
        ratio = min(ratio, 1.0)
    new_w, new_h = max(round(width * ratio), 1), max(round(height * ratio), 1)
    dw, dh = new_shape[1] - new_w, new_shape[0] - new_h
    if auto:
        dw, dh = dw % stride, dh % stride
    half_w, half_h = dw / 2, dh / 2
    left, right = round(half_w - 0.1), round(half_w + 0.1)
    top, bottom = round(half_h - 0.1), round(half_h + 0.1)
    return LetterboxParams(
        original=(height, width),
        resized=(new_h, new_w),
        padded=(new_h + top + bottom, new_w + left + right),
        top=top,
        left=left,
    )


def letterbox(
    image: Image,
    new_shape: tuple[int, int],
    *,
    auto: bool = False,
    stride: int = 32,
    scaleup: bool = True,
) -> tuple[Image, LetterboxParams]:
    """The image resized and padded as ultralytics does, with its placement."""
    params = letterbox_params(image.shape[:2], new_shape, auto=auto, stride=stride, scaleup=scaleup)
    resized: npt.NDArray[np.integer[Any] | np.floating[Any]] = image
    if params.resized != params.original:
        resized = cv2.resize(image, (params.resized[1], params.resized[0]), interpolation=cv2.INTER_LINEAR)
    bottom = params.padded[0] - params.resized[0] - params.top
    right = params.padded[1] - params.resized[1] - params.left
    padded = cv2.copyMakeBorder(
        resized, params.top, bottom, params.left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
    )
    return np.asarray(padded, dtype=np.uint8), params


def to_input_tensor(images: Sequence[Image]) -> FloatArray:
    """Letterboxed BGR uint8 images (same shape) as one RGB NCHW float32 batch in [0, 1]."""
    batch = np.stack(images) if len(images) > 1 else images[0][None]
    tensor = batch[..., ::-1].transpose(0, 3, 1, 2)
    result = np.ascontiguousarray(tensor, dtype=np.float32)
    result /= np.float32(255.0)
    return result
