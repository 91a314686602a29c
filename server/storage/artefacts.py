"""Writes a request's artefacts under the output root without ever overwriting another's."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from server.config import OutputSettings
from server.domain import Image

_MAX_CLAIM_ATTEMPTS = 10_000


@dataclass(frozen=True)
class OutputDirs:
    """Absolute output directories, plus the configured (relative) names for responses."""

    root: Path
    base_dir: Path
    uploaded_vehicle: Path
    detected_vehicle: Path
    cropped_vehicle: Path
    uploaded_plate: Path
    detected_plate: Path
    cropped_plate: Path
    results: Path

    @classmethod
    def from_settings(cls, output: OutputSettings, base_dir: Path) -> OutputDirs:
        """Resolve the configured directories against base_dir."""

        def resolve(p: str) -> Path:
            path = Path(p)
            return (path if path.is_absolute() else base_dir / path).resolve()

        return cls(
            root=resolve(output.root_dir),
            base_dir=base_dir.resolve(),
            uploaded_vehicle=resolve(output.uploaded_vehicle_image_dir),
            detected_vehicle=resolve(output.detected_vehicle_image_dir),
            cropped_vehicle=resolve(output.cropped_vehicle_image_dir),
            uploaded_plate=resolve(output.uploaded_plate_image_dir),
            detected_plate=resolve(output.detected_plate_image_dir),
            cropped_plate=resolve(output.cropped_plate_image_dir),
            results=resolve(output.results_dir),
        )

    def all(self) -> tuple[Path, ...]:
        """Every artefact directory."""
        return (
            self.uploaded_vehicle, self.detected_vehicle, self.cropped_vehicle,
            self.uploaded_plate, self.detected_plate, self.cropped_plate, self.results,
        )

    def display(self, path: Path) -> str:
        """The path as responses show it: relative to base_dir when under it."""
        try:
            return path.relative_to(self.base_dir).as_posix()
        except ValueError:
            return path.as_posix()


class ArtefactStore:
    """Saves uploads, annotated images, crops and results JSON."""

    def __init__(self, dirs: OutputDirs, *, save_images: bool, jpeg_quality: int = 90) -> None:
        self.dirs = dirs
        self.save_images = save_images
        self._jpeg_params = [int(cv2.IMWRITE_JPEG_QUALITY), jpeg_quality]
        for directory in dirs.all():
            directory.mkdir(parents=True, exist_ok=True)

    def without_images(self) -> ArtefactStore:
        """The same store writing no images (results JSON only), for one request."""
        view = copy.copy(self)
        view.save_images = False
        return view

    def claim(self, prefix: str) -> str:
        """Reserve a unique prefix by creating its results file exclusively.

        Two requests with the same timestamp get "<ts>" and "<ts>_2": nothing is overwritten.
        """
        for attempt in range(1, _MAX_CLAIM_ATTEMPTS + 1):
            candidate = prefix if attempt == 1 else f"{prefix}_{attempt}"
            try:
                fd = os.open(self.results_path(candidate), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            return candidate
        raise RuntimeError(f"could not claim a unique name for prefix {prefix!r}")

    def results_path(self, prefix: str) -> Path:
        """Where a claimed prefix's results JSON lives."""
        return self.dirs.results / f"{prefix}_results.json"

    def save_upload(self, directory: Path, prefix: str, data: bytes, extension: str) -> str:
        """Save the uploaded bytes as received; returns the display path or ""."""
        if not self.save_images:
            return ""
        path = directory / f"{prefix}_uploaded_image{extension}"
        path.write_bytes(data)
        return self.dirs.display(path)

    def save_image(self, directory: Path, name: str, image: Image) -> str:
        """Save an image as JPEG; returns the display path or ""."""
        if not self.save_images:
            return ""
        path = directory / name
        if not cv2.imwrite(str(path), image, self._jpeg_params):
            raise OSError(f"could not write {path}")
        return self.dirs.display(path)

    def save_results(self, prefix: str, payload: dict[str, Any]) -> str:
        """Write the results JSON into the claimed file; returns its display path."""
        path = self.results_path(prefix)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
        return self.dirs.display(path)
