"""End-to-end latency per transport (interleaved), concurrency runs, and server memory."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from bench.calls import Call, grpc_call, rest_call, run_load
from bench.data import Sample
from bench.served import Served, memory_kib
from bench.stats import Json, ratio, summarize, timed_ms
from clients.alpr_client import AlprClient

WARMUP_CALLS = 2


def headline_latency(calls: Mapping[str, Call], raw: Callable[[], float], iters: int,
                     warmup: int = WARMUP_CALLS) -> Json:
    """Latency of each transport on the same image, interleaved so load drift hits all of them alike.

    Every iteration runs one raw inference and one call per transport (the order rotates). Besides
    the client-side latency, each call reports the server's own pipeline total_ms, so the transport
    overhead is also measured per request (latency - server total), which load drift barely moves.
    """
    names = list(calls)
    for name in names:
        for _ in range(warmup):
            calls[name]()
    latency: dict[str, list[float]] = {n: [] for n in names}
    server: dict[str, list[float]] = {n: [] for n in names}
    raw_ms: list[float] = []
    for i in range(iters):
        raw_ms.append(raw())
        for name in names[i % len(names):] + names[:i % len(names)]:
            ms, server_ms = timed_ms(calls[name])
            latency[name].append(ms)
            server[name].append(float(server_ms))
    out: Json = {"iterations": iters, "raw_inference_ms": summarize(raw_ms), "transports": {}}
    for name in names:
        out["transports"][name] = {
            "latency_ms": summarize(latency[name]),
            "server_pipeline_ms": summarize(server[name]),
            "overhead_ms": summarize([a - b for a, b in zip(latency[name], server[name], strict=True)]),
        }
    out["derived"] = derived_overheads(out["transports"], out["raw_inference_ms"].get("p50"))
    return out


def _p50(transports: Json, name: str, key: str = "latency_ms") -> float | None:
    entry = transports.get(name)
    return None if entry is None else entry[key].get("p50")


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 1)


def derived_overheads(transports: Json, raw_p50: float | None) -> Json:
    """gRPC overhead (gRPC - in-process), bridge overhead (REST - gRPC) and the ratio to raw inference."""
    inproc = _p50(transports, "in_process")
    grpc_local = _p50(transports, "grpc_in_bench_server")
    grpc_served = _p50(transports, "grpc_serve_py")
    rest = _p50(transports, "rest_serve_py")
    return {
        "grpc_overhead_p50_ms": _diff(grpc_served, inproc),
        "grpc_in_bench_overhead_p50_ms": _diff(grpc_local, inproc),
        "bridge_overhead_p50_ms": _diff(rest, grpc_served),
        "grpc_overhead_paired_p50_ms": _p50(transports, "grpc_serve_py", "overhead_ms"),
        "bridge_overhead_paired_p50_ms": _diff(_p50(transports, "rest_serve_py", "overhead_ms"),
                                               _p50(transports, "grpc_serve_py", "overhead_ms")),
        "ratio_rest_p50_to_raw_p50": ratio(rest, raw_p50),
        "ratio_in_process_p50_to_raw_p50": ratio(inproc, raw_p50),
        "target_ratio": 2.0,
    }


def _grpc_client(target: str, sample: Sample, timeout_s: float) -> tuple[Call, Callable[[], None]]:
    client = AlprClient(target, timeout_s=timeout_s)
    return grpc_call(client, sample.content, sample.name), client.close


def _rest_client(url: str, sample: Sample, timeout_s: float) -> tuple[Call, Callable[[], None]]:
    http = httpx.Client(timeout=timeout_s)
    return rest_call(http, url, sample.content, sample.name), http.close


def concurrency(served: Served, sample: Sample, *, single_requests: int, clients: int,
                requests_per_client: int, timeout_s: float) -> Json:
    """1 and N closed-loop clients against gRPC and REST of the serve.py processes."""
    out: Json = {}
    makers: dict[str, Callable[[int], tuple[Call, Callable[[], None]]]] = {
        "grpc": lambda _i: _grpc_client(served.grpc_target, sample, timeout_s),
        "rest": lambda _i: _rest_client(served.rest_url, sample, timeout_s),
    }
    for transport, make in makers.items():
        one = run_load(make, 1, single_requests)
        many = run_load(make, clients, requests_per_client)
        out[transport] = {
            "1_client": one,
            f"{clients}_clients": many,
            "throughput_ratio": ratio(many["throughput_img_s"], one["throughput_img_s"]),
        }
    return out


def server_memory(served: Served) -> Json:
    """VmRSS/VmHWM of the gRPC server child (every model loaded) and of the bridge child, in MiB."""
    out: Json = {}
    for label, module in (("grpc_server", "server.main"), ("rest_bridge", "rest_bridge.main")):
        pid = served.child_pid(module)
        if pid is None:
            out[label] = {"error": f"no child running {module}"}
            continue
        kib = memory_kib(pid)
        out[label] = {"pid": pid, **{f"{k}_mib": round(v / 1024, 1) for k, v in kib.items()}}
    return out
