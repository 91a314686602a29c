"""Timing helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    """Milliseconds since creation, and a context manager that times a block."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def elapsed_ms(self) -> float:
        """Milliseconds since the stopwatch started."""
        return (time.perf_counter() - self._start) * 1000.0


@contextmanager
def timed(sink: dict[str, float], key: str) -> Iterator[None]:
    """Add the block's duration in ms to sink[key]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        sink[key] = sink.get(key, 0.0) + (time.perf_counter() - start) * 1000.0
