"""Input of the plate recognizer: a crop as one grey, fixed-size, per-image standardised plane.

Shared by training (training/train_recognizer.py) and inference (server/ocr/plate_recognizer.py),
so that both see exactly the same pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from server.domain import Image

FloatArray = npt.NDArray[np.float32]
GreyArray = npt.NDArray[np.uint8]

INPUT_HEIGHT = 48
INPUT_WIDTH = 144
MIN_STD = 8.0  # grey levels: a flat crop is not blown up into noise


def to_grey(crop: Image, height: int = INPUT_HEIGHT, width: int = INPUT_WIDTH) -> GreyArray:
    """The crop as a height x width grey image (BGR, BGRA or grey in)."""
    if crop.ndim == 3 and crop.shape[2] == 4:
        grey = cv2.cvtColor(crop, cv2.COLOR_BGRA2GRAY)
    elif crop.ndim == 3:
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    else:
        grey = crop
    shrink = grey.shape[0] > height or grey.shape[1] > width
    resized = cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return np.asarray(resized, dtype=np.uint8)


def standardise(grey: GreyArray) -> FloatArray:
    """Zero mean, unit spread per image (dark and bright crops look alike to the network)."""
    plane = grey.astype(np.float32)
    mean = float(plane.mean())
    std = max(float(plane.std()), MIN_STD)
    return (plane - mean) / std


def batch_input(crops: Sequence[Image], height: int = INPUT_HEIGHT, width: int = INPUT_WIDTH) -> FloatArray:
    """(N, 1, height, width) float32 network input for a list of crops."""
    batch = np.empty((len(crops), 1, height, width), dtype=np.float32)
    for i, crop in enumerate(crops):
        batch[i, 0] = standardise(to_grey(crop, height, width))
    return batch
