"""Latency summaries, machine-load snapshots and a section wrapper that records both."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

Json = dict[str, Any]
log = logging.getLogger("bench")


def summarize(values_ms: Sequence[float]) -> Json:
    """n, p50, p95, p99, mean, min and max of latencies in milliseconds (rounded to 0.1 ms)."""
    if not values_ms:
        return {"n": 0}
    arr = np.asarray(values_ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {
        "n": int(arr.size),
        "p50": round(float(p50), 1),
        "p95": round(float(p95), 1),
        "p99": round(float(p99), 1),
        "mean": round(float(arr.mean()), 1),
        "min": round(float(arr.min()), 1),
        "max": round(float(arr.max()), 1),
    }


def load_avg() -> list[float]:
    """The 1, 5 and 15 minute load averages (the machine is shared: say how busy it was)."""
    return [round(x, 2) for x in os.getloadavg()]


def timed_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run fn once; return (milliseconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1e3, result


@contextmanager
def section(results: Json, name: str) -> Iterator[Json]:
    """Collect one section's numbers with load before/after and wall time; a failure is recorded, not raised."""
    entry: Json = {"load_before": load_avg()}
    log.info("section %s (load %s)", name, entry["load_before"])
    start = time.perf_counter()
    try:
        yield entry
    except Exception as exc:  # one broken section must not lose the others' numbers
        entry["error"] = f"{type(exc).__name__}: {exc}"
        log.exception("section %s failed", name)
    finally:
        entry["load_after"] = load_avg()
        entry["wall_s"] = round(time.perf_counter() - start, 1)
        results[name] = entry


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator rounded to 2 places, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)
