"""Timing helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from server.telemetry.tracing import tracer


class Stopwatch:
    """Milliseconds since creation, and a context manager that times a block."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def elapsed_ms(self) -> float:
        """Milliseconds since the stopwatch started."""
        return (time.perf_counter() - self._start) * 1000.0


@contextmanager
def timed(sink: dict[str, float], key: str) -> Iterator[None]:
    """Add the block's duration in ms to sink[key]; the block is also a trace span named after the stage."""
    start = time.perf_counter()
    try:
        with tracer().start_as_current_span(STAGE_SPANS.get(key, key)):
            yield
    finally:
        sink[key] = sink.get(key, 0.0) + (time.perf_counter() - start) * 1000.0


# Span names of the timed stages (the names the REST processing_time keys use).
STAGE_SPANS = {"vehicles": "vehicle_detection", "plates": "plate_detection", "recognition": "plate_recognition",
               "pairing": "pairing"}
