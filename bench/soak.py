"""Bounded soak of the served pair (scripts/serve.py): N REST clients for a fixed time.

Reports accepted-request p50/p99, shed answers (429/503 with Retry-After) and how fast they came,
failures (other 5xx, transport errors), and the server's RSS, open fds and threads before and after.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx

from bench.data import Sample
from bench.served import Served, memory_kib
from bench.stats import Json, summarize


def process_numbers(pid: int | None) -> Json:
    """RSS (MiB), open file descriptors and threads of a process (empty when unknown)."""
    if pid is None:
        return {}
    kib = memory_kib(pid)
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return {}
    return {"rss_mib": round(kib.get("VmRSS", 0) / 1024, 1), "fds": fds, "threads": threads}


def soak(served: Served, sample: Sample, *, clients: int, duration_s: float, timeout_s: float,
         warmup_s: float = 15.0) -> Json:
    """`clients` threads posting the sample to process-single-image for duration_s (after a warm-up of
    the same load, so that growth means growth, not arenas filling); the tally."""
    server_pid = served.child_pid("server.main")
    _load(served, sample, clients=clients, duration_s=warmup_s, timeout_s=timeout_s)
    before = process_numbers(server_pid)
    tally = _load(served, sample, clients=clients, duration_s=duration_s, timeout_s=timeout_s)
    after = process_numbers(server_pid)
    accepted, shed, failed = tally
    latency = summarize(accepted)
    return {
        "clients": clients, "duration_s": duration_s, "warmup_s": warmup_s, "accepted": len(accepted),
        "shed": len(shed), "failed": len(failed), "failures": sorted(set(failed)),
        "accepted_latency_ms": latency, "shed_latency_ms": summarize(shed),
        "p99_over_p50": round(latency["p99"] / latency["p50"], 2) if latency.get("n") else None,
        "server_before": before, "server_after": after,
        "growth": {k: round(after[k] - before[k], 1) for k in before if k in after},
    }


def _load(served: Served, sample: Sample, *, clients: int, duration_s: float, timeout_s: float
          ) -> tuple[list[float], list[float], list[str]]:
    accepted: list[float] = []
    shed: list[float] = []
    failed: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration_s

    def client() -> None:
        with httpx.Client(timeout=timeout_s) as http:
            while time.monotonic() < stop_at:
                start = time.perf_counter()
                try:
                    r = http.post(f"{served.rest_url}/alpr-core/process-single-image",
                                  files={"file": (sample.name, sample.content, "image/jpeg")})
                except httpx.HTTPError as exc:
                    with lock:
                        failed.append(type(exc).__name__)
                    continue
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    if r.status_code == 200:
                        accepted.append(elapsed)
                    elif r.status_code in (429, 503) and "retry-after" in r.headers:
                        shed.append(elapsed)
                    else:
                        failed.append(str(r.status_code))
                if r.status_code in (429, 503):
                    time.sleep(float(r.headers.get("retry-after", "1")))  # what a polite client does

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration_s + timeout_s + 30)
    return accepted, shed, failed


def hostile(served: Served, corpus_dir: Path | None = None) -> Json:
    """Each generated decoder bomb once through REST: status, reason, time, server RSS growth."""
    from tests.reliability.corpus import hostile_corpus, png_zlib_bomb

    server_pid = served.child_pid("server.main")
    rows: list[Json] = []
    inputs = [*hostile_corpus(), ("png-zlib-surplus-1GiB", png_zlib_bomb(1 << 30), "CORRUPT_IMAGE")]
    with httpx.Client(timeout=60) as http:
        for name, data, expected in inputs:
            rss_before = memory_kib(server_pid)["VmRSS"] if server_pid else 0
            start = time.perf_counter()
            suffix = "png" if data.startswith(b"\x89PNG") else "jpg"
            r = http.post(f"{served.rest_url}/alpr-core/process-single-image",
                          files={"file": (f"{name}.{suffix}", data, "application/octet-stream")})
            elapsed = (time.perf_counter() - start) * 1000
            peak = memory_kib(server_pid).get("VmHWM", 0) if server_pid else 0
            rows.append({"input": name, "bytes": len(data), "status": r.status_code,
                         "reason": r.json().get("reason"), "expected_reason": expected,
                         "ms": round(elapsed, 1), "server_rss_before_mib": round(rss_before / 1024, 1),
                         "server_peak_rss_mib": round(peak / 1024, 1)})
    return {"inputs": rows, "all_4xx": all(400 <= r["status"] < 500 for r in rows),
            "max_ms": max(r["ms"] for r in rows)}
