"""Real photos and their plate labels from ../shared/data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from bench.config import DATA_ROOT, HEADLINE_IMAGE
from server.datasets import is_verifiable, plate_box, read_labels
from server.domain import Box, Image


@dataclass(frozen=True)
class Sample:
    """One labelled photo."""

    data_set: str
    path: Path
    plates: tuple[Box, ...]  # labelled plate boxes (pixels of this image)
    texts: tuple[str, ...]  # labelled plate strings, same order as plates

    @property
    def name(self) -> str:
        """The file name."""
        return self.path.name

    @cached_property
    def content(self) -> bytes:
        """The file's bytes (what a client uploads)."""
        return self.path.read_bytes()

    def decode(self) -> Image:
        """Full-resolution BGR pixels."""
        image = cv2.imdecode(np.frombuffer(self.content, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"cannot decode {self.path}")
        return np.asarray(image, dtype=np.uint8)


def load_set(name: str, limit: int = 0) -> list[Sample]:
    """The labelled samples of a data set in label order (the first `limit` when limit > 0)."""
    folder = DATA_ROOT / name
    samples: list[Sample] = []
    for record in read_labels(folder):
        plates = [(p, box) for p in record.get("plates", []) if is_verifiable(p) and (box := plate_box(p)) is not None]
        boxes = tuple(Box(*box) for _, box in plates)
        texts = tuple(str(p.get("text", "")) for p, _ in plates)
        samples.append(Sample(name, folder / record["image"], boxes, texts))
        if 0 < limit <= len(samples):
            break
    return samples


def headline() -> Sample:
    """The headline photo (1280x720, one car, one plate)."""
    name, image = HEADLINE_IMAGE
    for sample in load_set(name):
        if sample.name == image:
            return sample
    raise FileNotFoundError(f"{name}/{image} not found in labels")
