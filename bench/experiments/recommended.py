"""Before/after of the recommended settings together: the real processes over REST, and in-process
(with vehicle and plate detection in two threads: runtime.concurrent_detectors)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.calls import Call, rest_call, run_load
from bench.config import VEHICLE_MODEL
from bench.data import Sample
from bench.e2e import server_memory
from bench.experiments.blas import openblas_controls
from bench.raw import input_tensor, make_session, time_run
from bench.served import serve
from bench.service import in_process_service
from bench.stages import STAGES
from bench.stats import Json, ratio, summarize, timed_ms
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.results import ImageRequest, StageTimes

TUNED = {"GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
SERVE_VARIANTS: dict[str, dict[str, str]] = {
    "config.yaml (intra=0, workers=8)": {},
    "intra=1 + OPENBLAS_NUM_THREADS=1": TUNED,
    "intra=1 + OPENBLAS_NUM_THREADS=1 + workers=2": {**TUNED, "GALAXY_ALPR__SERVER__MAX_WORKERS": "2"},
}


def rest_variants(sample: Sample, *, iters: int, clients: int, rounds: int, timeout_s: float,
                  startup_timeout_s: float, variants: Mapping[str, Mapping[str, str]] = SERVE_VARIANTS) -> Json:
    """serve.py per variant, all running at once; REST latency interleaved, then N-client bursts (alternating)."""
    tensor = input_tensor(sample.decode())
    raw = {"raw intra=0": make_session(VEHICLE_MODEL, 0), "raw intra=1": make_session(VEHICLE_MODEL, 1)}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-rec-") as tmp:
        served = {label: stack.enter_context(serve(Path(tmp) / f"s{i}", startup_timeout_s, env))
                  for i, (label, env) in enumerate(variants.items())}
        http = stack.enter_context(httpx.Client(timeout=timeout_s))
        calls = {label: rest_call(http, s.rest_url, sample.content, sample.name) for label, s in served.items()}
        for call in calls.values():
            call()
            call()
        for session in raw.values():
            time_run(session, tensor)
        latency: dict[str, list[float]] = {k: [] for k in [*raw, *calls]}
        labels = list(calls)
        for i in range(iters):
            for name, session in raw.items():
                latency[name].append(time_run(session, tensor))
            for label in labels[i % len(labels):] + labels[:i % len(labels)]:
                latency[label].append(timed_ms(calls[label])[0])
        memory_warm = {label: server_memory(s) for label, s in served.items()}
        bursts: dict[str, list[Json]] = {label: [] for label in labels}
        for r in range(rounds):
            for label in labels if r % 2 == 0 else labels[::-1]:
                url = served[label].rest_url

                def make(_c: int, url: str = url) -> tuple[Call, Callable[[], None]]:
                    client = httpx.Client(timeout=timeout_s)
                    return rest_call(client, url, sample.content, sample.name), client.close

                bursts[label].append(run_load(make, clients, 1))
        memory_load = {label: server_memory(s) for label, s in served.items()}
    raw_p50 = {k: summarize(latency[k])["p50"] for k in raw}
    out: Json = {"iterations": iters, "raw_ms": {k: summarize(latency[k]) for k in raw}, "variants": {}}
    for label in labels:
        rest = summarize(latency[label])
        runs = bursts[label]
        throughputs = [b["throughput_img_s"] or 0.0 for b in runs]
        intra = "1" if variants[label].get("GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS") == "1" else "0"
        out["variants"][label] = {
            "env": dict(variants[label]),
            "rest_latency_ms": rest,
            "ratio_rest_p50_to_raw_p50_same_threads": ratio(rest["p50"], raw_p50[f"raw intra={intra}"]),
            "ratio_rest_p50_to_best_raw_p50": ratio(rest["p50"], min(v for v in raw_p50.values() if v)),
            f"{clients}_client_bursts": runs,
            f"{clients}_client_throughput_img_s_mean": round(sum(throughputs) / len(throughputs), 3),
            "errors": sum(b["errors"] for b in runs),
            "memory_after_warmup": memory_warm[label],
            "memory_after_load": memory_load[label],
        }
    return out


def in_process_variants(sample: Sample, iters: int) -> Json:
    """In-process totals: current config vs intra=1 + OpenBLAS 1 vs that plus two-thread detection."""
    blas = openblas_controls()
    request = ImageRequest(sample.content, sample.name)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-rec-ip-") as tmp:
        current = stack.enter_context(in_process_service(Path(tmp) / "a"))
        tuned = stack.enter_context(in_process_service(Path(tmp) / "b",
                                                       {"GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS": "1"}))
        p = tuned.pipeline
        concurrent = stack.enter_context(in_process_service(Path(tmp) / "c", {
            "GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS": "1",
            "GALAXY_ALPR__RUNTIME__CONCURRENT_DETECTORS": "true"})).pipeline
        default_blas = blas.threads() if blas else None
        variants: dict[str, tuple[AlprPipeline, int | None]] = {
            "config.yaml (intra=0, OpenBLAS default)": (current.pipeline, default_blas),
            "intra=1 + OpenBLAS 1": (p, 1),
            "intra=1 + OpenBLAS 1 + detections in two threads": (concurrent, 1),
        }
        raw = make_session(VEHICLE_MODEL, 1)
        tensor = input_tensor(sample.decode())
        times: dict[str, list[StageTimes]] = {k: [] for k in variants}
        raw_ms: list[float] = []
        try:
            for pipeline, threads in variants.values():
                if blas and threads:
                    blas.set_threads(threads)
                pipeline.process(request)
            for _ in range(iters):
                raw_ms.append(time_run(raw, tensor))
                for label, (pipeline, threads) in variants.items():
                    if blas and threads:
                        blas.set_threads(threads)
                    times[label].append(pipeline.process(request).times)
        finally:
            if blas and default_blas:
                blas.set_threads(default_blas)
    raw_p50 = summarize(raw_ms)["p50"]
    out: Json = {"iterations": iters, "raw_intra1_ms": summarize(raw_ms), "openblas_control": blas is not None,
                 "variants": {}}
    for label, values in times.items():
        stage_ms = {name: summarize([getattr(t, attr) for t in values]) for name, attr in STAGES.items()}
        out["variants"][label] = {"stages_ms": stage_ms,
                                  "ratio_total_p50_to_raw_intra1_p50": ratio(stage_ms["total"]["p50"], raw_p50)}
    return out
