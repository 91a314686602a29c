"""Writes a request's artefacts under the output root without ever overwriting another's."""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import secrets
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from server.config import OutputSettings
from server.domain import Image
from server.storage.object_store import ObjectStore
from server.storage.retrieval import content_type

log = logging.getLogger(__name__)

# Without random names, this many "<prefix>_<n>" candidates are tried before a random token is added.
_MAX_SEQUENTIAL_CLAIMS = 100
_MAX_RANDOM_CLAIMS = 8
TOKEN_BYTES = 8  # 64 random bits per artefact name: not guessable from the timestamp


@dataclass(frozen=True)
class StorageReport:
    """Whether artefacts can be written, and how much room is left."""

    writable: bool
    free_bytes: int
    error: str = ""


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

    def relative(self, path: Path) -> str:
        """The path relative to the output root (the object key of an artefact)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return self.display(path).lstrip("/")

    def display(self, path: Path) -> str:
        """The path as responses show it: relative to base_dir when under it."""
        try:
            return path.relative_to(self.base_dir).as_posix()
        except ValueError:
            return path.as_posix()


class ArtefactStore:
    """Saves uploads, annotated images, crops and results JSON; every file appears whole or not at all."""

    def __init__(self, dirs: OutputDirs, *, save_images: bool, jpeg_quality: int = 90,
                 random_names: bool = True, objects: ObjectStore | None = None) -> None:
        self.dirs = dirs
        self.objects = objects  # every saved file is also put here (object_store.url)
        self.save_images = save_images
        self.random_names = random_names
        self._jpeg_params = [int(cv2.IMWRITE_JPEG_QUALITY), jpeg_quality]
        self._last_failure: tuple[float, str] | None = None
        self._lock = threading.Lock()
        for directory in dirs.all():
            directory.mkdir(parents=True, exist_ok=True)

    def without_images(self) -> ArtefactStore:
        """The same store writing no images (results JSON only), for one request."""
        view = copy.copy(self)
        view.save_images = False
        return view

    def claim(self, prefix: str) -> str:
        """Reserve a unique prefix by creating its results file exclusively.

        With random names (the default) the prefix gets a random token: "<ts>_<16 hex>". Without,
        two requests with the same timestamp get "<ts>" and "<ts>_2", and after 100 taken names a
        random token is added. Nothing is ever overwritten.
        """
        candidates = [] if self.random_names else [
            prefix if n == 1 else f"{prefix}_{n}" for n in range(1, _MAX_SEQUENTIAL_CLAIMS + 1)]
        candidates += [f"{prefix}_{secrets.token_hex(TOKEN_BYTES)}" for _ in range(_MAX_RANDOM_CLAIMS)]
        for candidate in candidates:
            try:
                fd = os.open(self.results_path(candidate), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            return candidate
        raise FileExistsError(f"could not claim a unique name for prefix {prefix!r}")

    def discard(self, prefix: str) -> None:
        """Remove a claimed prefix's (empty) results file after its save failed."""
        try:
            self.results_path(prefix).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", self.results_path(prefix), exc)

    def results_path(self, prefix: str) -> Path:
        """Where a claimed prefix's results JSON lives."""
        return self.dirs.results / f"{prefix}_results.json"

    def save_upload(self, directory: Path, prefix: str, data: bytes, extension: str) -> str:
        """Save the uploaded bytes as received; returns the display path or ""."""
        if not self.save_images:
            return ""
        path = directory / f"{prefix}_uploaded_image{extension}"
        self._write(path, data)
        return self.dirs.display(path)

    def save_image(self, directory: Path, name: str, image: Image) -> str:
        """Save an image as JPEG; returns the display path or ""."""
        if not self.save_images:
            return ""
        path = directory / name
        ok, encoded = cv2.imencode(".jpg", image, self._jpeg_params)
        if not ok:
            raise OSError(f"could not encode {name}")
        self._write(path, encoded.tobytes())
        return self.dirs.display(path)

    def save_results(self, prefix: str, payload: dict[str, Any]) -> str:
        """Write the results JSON into the claimed file; returns its display path."""
        path = self.results_path(prefix)
        self._write(path, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"))
        return self.dirs.display(path)

    def _write(self, path: Path, data: bytes) -> None:
        """The local file, then its object (an OSError of either is the caller's storage warning)."""
        _write_atomically(path, data)
        if self.objects is not None:
            self.objects.put(self.dirs.relative(path), data, content_type(path))

    def record_failure(self, exc: OSError) -> str:
        """Remember a failed save (health reports it for a while); returns the public warning."""
        reason = exc.strerror or type(exc).__name__
        with self._lock:
            self._last_failure = (time.monotonic(), reason)
        log.error("saving artefacts failed: %s", exc)
        return f"Artefacts were not saved ({reason}); the result is returned but cannot be fetched later"

    def report(self, *, min_free_bytes: int, failure_window_s: float = 60.0) -> StorageReport:
        """Writable (a probe file is created and removed) and free space; a recent failed save counts."""
        root = self.dirs.results
        try:
            free = shutil.disk_usage(root).free
        except OSError as exc:
            return StorageReport(False, 0, f"output root unusable ({exc.strerror or exc})")
        probe = root / f".probe-{os.getpid()}-{threading.get_ident()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            return StorageReport(False, free, f"output root not writable ({exc.strerror or exc})")
        with self._lock:
            failure = self._last_failure
        if failure is not None and time.monotonic() - failure[0] < failure_window_s:
            return StorageReport(True, free, f"a save failed {time.monotonic() - failure[0]:.0f} s ago ({failure[1]})")
        if free < min_free_bytes:
            return StorageReport(True, free, f"{free // (1 << 20)} MiB free, below {min_free_bytes // (1 << 20)} MiB")
        return StorageReport(True, free)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside path, then rename it over path: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
