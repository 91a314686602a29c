"""(e) OpenBLAS threads: the OCR folds PP-OCR's class scores into plate characters with a float32
matmul that numpy hands to OpenBLAS, whose worker threads busy-wait; on 2 shared cores they fight
onnxruntime's own threads. (Up to e5f4c781 that matmul ran over the whole vocabulary, denormals
included, and this setting changed the OCR stage ~8x under heavy load; it now reads only the
alphabet's columns, which leaves little for this setting to change.)

OpenBLAS's thread count is switched at run time through its C API (what threadpoolctl does), so both
settings run in one process, interleaved call by call. The server-side equivalent is
OPENBLAS_NUM_THREADS=1 in the server's environment before numpy is imported.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.data import Sample
from bench.stats import Json, summarize
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import ImageRequest

_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")


@dataclass(frozen=True)
class OpenBlas:
    """The thread-count functions of one loaded OpenBLAS library."""

    setter: Any
    getter: Any

    def set_threads(self, n: int) -> None:
        """openblas_set_num_threads(n)."""
        self.setter(ctypes.c_int(n))

    def threads(self) -> int:
        """openblas_get_num_threads()."""
        return int(self.getter())


def openblas_controls() -> OpenBlas | None:
    """The OpenBLAS that numpy loaded, or None when it cannot be found."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = sorted({line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower() and "/" in line})
    for path in paths:
        lib = ctypes.CDLL(path)
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            return OpenBlas(setter, getter)
    return None


def blas_threads(pipeline: AlprPipeline, sample: Sample, iters: int) -> Json:
    """Pipeline total and OCR stage per OpenBLAS thread count, alternating call by call."""
    controls = openblas_controls()
    if controls is None:
        return {"error": "numpy's OpenBLAS not found in this process"}
    default = controls.threads()
    set_threads = controls.set_threads
    request = ImageRequest(sample.content, sample.name)
    settings = {f"OpenBLAS {default} threads (default)": default, "OpenBLAS 1 thread": 1}
    ocr: dict[str, list[float]] = {k: [] for k in settings}
    total: dict[str, list[float]] = {k: [] for k in settings}
    try:
        for n in settings.values():
            set_threads(n)
            pipeline.process(request)
        for _ in range(iters):
            for label, n in settings.items():
                set_threads(n)
                times = pipeline.process(request).times
                ocr[label].append(times.plate_recognition_ms)
                total[label].append(times.total_ms)
    finally:
        set_threads(default)
    return {"image": sample.name, "iterations": iters,
            "variants": {k: {"ocr_ms": summarize(ocr[k]), "total_ms": summarize(total[k])} for k in settings}}
