"""One request over each transport, and a bounded closed-loop load generator (threads)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.stats import Json, summarize
from clients.alpr_client import AlprClient, ImageItem
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import ImageRequest

Call = Callable[[], float]  # one request; returns the server-side pipeline total_ms; raises on failure


class RequestFailed(RuntimeError):
    """A request came back without a successful result."""


def in_process_call(pipeline: AlprPipeline, content: bytes, file_name: str) -> Call:
    """AlprPipeline.process on the bytes, as the servicer would call it."""
    request = ImageRequest(content=content, file_name=file_name)

    def call() -> float:
        return pipeline.process(request).times.total_ms
    return call


def grpc_call(client: AlprClient, content: bytes, file_name: str) -> Call:
    """ProcessImages with one image on one stream (what the bridge does per REST request)."""
    item = ImageItem(name=file_name, content=content)

    def call() -> float:
        responses = [response for _item, response in client.process_images([item])]  # read to the stream's end
        if len(responses) != 1:
            raise RequestFailed(f"gRPC stream gave {len(responses)} responses for 1 image")
        if responses[0].HasField("error"):
            raise RequestFailed(f"gRPC item error: {responses[0].error.message}")
        return float(responses[0].result.processing_time.total_ms)
    return call


def rest_call(http: httpx.Client, url: str, content: bytes, file_name: str) -> Call:
    """POST multipart to /alpr-core/process-single-image through the bridge."""
    endpoint = f"{url}/alpr-core/process-single-image"

    def call() -> float:
        response = http.post(endpoint, files={"file": (file_name, content, "image/jpeg")})
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or not body.get("success"):
            raise RequestFailed(f"REST {response.status_code}: {response.text[:200]}")
        return float(body["data"]["processing_time"]["total_ms"])
    return call


@dataclass
class _Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_load(make_call: Callable[[int], tuple[Call, Callable[[], None]]], clients: int,
             requests_per_client: int) -> Json:
    """`clients` threads, each sending `requests_per_client` requests back to back.

    make_call(i) gives client i its call and a close function (each client owns its connection).
    Returns throughput over the wall time of the whole run, latency percentiles and errors.
    """
    tally = _Tally()
    ready = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        call, close = make_call(index)
        try:
            ready.wait(timeout=60)
            for _ in range(requests_per_client):
                start = time.perf_counter()
                try:
                    call()
                except Exception as exc:  # counted, not raised: the run goes on
                    with tally.lock:
                        tally.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    continue
                with tally.lock:
                    tally.latencies_ms.append((time.perf_counter() - start) * 1e3)
        finally:
            close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=60)
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    ok = len(tally.latencies_ms)
    return {
        "clients": clients,
        "requests": clients * requests_per_client,
        "ok": ok,
        "errors": len(tally.errors),
        "error_samples": sorted(set(tally.errors))[:3],
        "wall_s": round(wall, 2),
        "throughput_img_s": round(ok / wall, 3) if wall > 0 else None,
        "latency_ms": summarize(tally.latencies_ms),
    }
