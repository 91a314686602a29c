"""Issue 13, step by step in one run: two detectors -> one unified pass -> stride-sized input -> thread plans.

Every step is a scripts/serve.py process (gRPC server + REST bridge, local OCR), all running at
once so that their requests can be interleaved: load drift from the other users of the machine
falls on every step alike. Per step: REST latency on a busy 1280x720 street photo (several
vehicles) and on the README's headline photo, as a ratio to one raw YOLOv8n 640x640 pass timed in
the same loop; then 1 and 8 concurrent REST clients (throughput ratio, errors, p99/p50); server RSS.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.calls import Call, rest_call, run_load
from bench.config import VEHICLE_MODEL
from bench.data import Sample, load_set
from bench.e2e import server_memory
from bench.raw import input_tensor, make_session, time_run
from bench.served import serve
from bench.stats import Json, ratio, summarize, timed_ms

BUSY_IMAGE = ("openalpr-br", "br_0057.jpg")  # 1280x720, 4 vehicles (COCO model), 1 labelled plate
_D = "GALAXY_ALPR__DETECTION__"
_R = "GALAXY_ALPR__RUNTIME__"
TWO = {f"{_D}MODE": "two_detectors", f"{_D}PLATE_INPUT": "square", f"{_R}THREAD_PLAN": "manual",
       f"{_R}INTRA_OP_THREADS": "2", f"{_R}CONCURRENT_DETECTORS": "true", f"{_R}INFERENCE_SLOTS": "0",
       f"{_D}PLATE_SEARCH_MAX_VEHICLES": "1"}
ONE = {**TWO, f"{_D}MODE": "unified", f"{_D}PLATE_SEARCH_MAX_VEHICLES": "0"}
STEPS: dict[str, dict[str, str]] = {
    "0 before: two detectors (square), 2 sessions x 2 threads, plate search": TWO,
    "1 unified detector v2 (rect 640x384), 2 threads": {**ONE, f"{_D}UNIFIED_INPUT": "rect"},
    "2 + plate search in 1 vehicle": {**ONE, f"{_D}UNIFIED_INPUT": "rect", f"{_D}PLATE_SEARCH_MAX_VEHICLES": "1"},
    "3 + thread plan throughput (servers under load)": {**ONE, f"{_D}UNIFIED_INPUT": "rect",
                                                        f"{_R}THREAD_PLAN": "throughput"},
    "4 the defaults of this release": {},
}


def busy_photo() -> Sample:
    """The busy 1280x720 street photo."""
    name, image = BUSY_IMAGE
    for sample in load_set(name):
        if sample.name == image:
            return sample
    raise FileNotFoundError(f"{name}/{image} not found in labels")


def one_pass_steps(headline: Sample, *, iters: int, clients: int, single_requests: int, requests_per_client: int,
                   rounds: int, timeout_s: float, startup_timeout_s: float,
                   steps: Mapping[str, Mapping[str, str]] = STEPS) -> Json:
    """Every step's REST latency (interleaved with raw passes), concurrency and memory."""
    busy = busy_photo()
    photos = {"busy": busy, "headline": headline}
    tensor = input_tensor(busy.decode())
    raw = {"raw intra=2": make_session(VEHICLE_MODEL, 2), "raw intra=1": make_session(VEHICLE_MODEL, 1)}
    labels = list(steps)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-onepass-") as tmp:
        served = {label: stack.enter_context(serve(Path(tmp) / f"s{i}", startup_timeout_s, env))
                  for i, (label, env) in enumerate(steps.items())}
        http = stack.enter_context(httpx.Client(timeout=timeout_s))
        calls = {(label, kind): rest_call(http, s.rest_url, photo.content, photo.name)
                 for label, s in served.items() for kind, photo in photos.items()}
        for call in calls.values():
            call()
            call()
        for session in raw.values():
            time_run(session, tensor)
        latency: dict[str, list[float]] = {k: [] for k in raw}
        rest: dict[tuple[str, str], list[float]] = {k: [] for k in calls}
        keys = list(calls)
        for i in range(iters):
            for name, session in raw.items():
                latency[name].append(time_run(session, tensor))
            for key in keys[i % len(keys):] + keys[:i % len(keys)]:
                rest[key].append(timed_ms(calls[key])[0])
        memory_warm = {label: server_memory(s) for label, s in served.items()}
        single: dict[str, list[Json]] = {label: [] for label in labels}
        many: dict[str, list[Json]] = {label: [] for label in labels}
        for r in range(rounds):
            for label in labels if r % 2 == 0 else labels[::-1]:
                url = served[label].rest_url

                def make(_c: int, url: str = url) -> tuple[Call, Callable[[], None]]:
                    client = httpx.Client(timeout=timeout_s)
                    return rest_call(client, url, busy.content, busy.name), client.close

                single[label].append(run_load(make, 1, single_requests))
                many[label].append(run_load(make, clients, requests_per_client))
        memory_load = {label: server_memory(s) for label, s in served.items()}
    raw_ms = {k: summarize(v) for k, v in latency.items()}
    best_raw = min(v["p50"] for v in raw_ms.values())
    out: Json = {"clients": clients, "busy_photo": f"{busy.data_set}/{busy.name}",
                 "headline_photo": f"{headline.data_set}/{headline.name}", "iterations": iters, "raw_ms": raw_ms,
                 "best_raw_p50_ms": best_raw, "steps": {}}
    for label in labels:
        busy_ms, head_ms = summarize(rest[(label, "busy")]), summarize(rest[(label, "headline")])
        one_tp = [b["throughput_img_s"] or 0.0 for b in single[label]]
        many_tp = [b["throughput_img_s"] or 0.0 for b in many[label]]
        many_lat = [b["latency_ms"] for b in many[label] if b["latency_ms"].get("n")]
        one_mean, many_mean = sum(one_tp) / len(one_tp), sum(many_tp) / len(many_tp)
        intra = "1" if steps[label].get(f"{_R}THREAD_PLAN") == "throughput" else "2"
        same = raw_ms[f"raw intra={intra}"]["p50"]
        out["steps"][label] = {
            "env": dict(steps[label]),
            "raw_same_threads": f"raw intra={intra}",
            "ratio_busy_p50_to_raw_same_threads": ratio(busy_ms["p50"], same),
            "ratio_headline_p50_to_raw_same_threads": ratio(head_ms["p50"], same),
            "rest_busy_ms": busy_ms,
            "rest_headline_ms": head_ms,
            "ratio_busy_p50_to_raw": ratio(busy_ms["p50"], best_raw),
            "ratio_headline_p50_to_raw": ratio(head_ms["p50"], best_raw),
            "single_client_throughput_img_s": round(one_mean, 3),
            f"{clients}_client_throughput_img_s": round(many_mean, 3),
            "throughput_ratio": ratio(many_mean, one_mean),
            f"{clients}_client_errors": sum(b["errors"] for b in many[label]),
            f"{clients}_client_p99_over_p50": [ratio(lat["p99"], lat["p50"]) for lat in many_lat],
            f"{clients}_client_latency_ms": many_lat,
            "memory_after_warmup": memory_warm[label],
            "memory_after_load": memory_load[label],
        }
    return out


def markdown(entry: Json) -> list[str]:
    """The steps as one Markdown table."""
    raw = entry.get("raw_ms", {})
    n = entry.get("clients", 8)
    lines = [f"Busy photo {entry.get('busy_photo')}, headline {entry.get('headline_photo')}; raw YOLOv8n 640 p50: "
             + ", ".join(f"{k} {v.get('p50')} ms" for k, v in raw.items())
             + " (x raw: to the faster; x same: to raw at the step's intra-op threads).", "",
             "| step | REST busy p50 ms (x raw, x same) | REST headline p50 ms (x raw, x same) | 1 client img/s | "
             f"{n} clients img/s (x 1 client) | errors | {n}-client p99/p50 | server RSS MiB after load |",
             "|---|---|---|---|---|---|---|---|"]
    for label, s in entry.get("steps", {}).items():
        rss = s.get("memory_after_load", {}).get("grpc_server", {}).get("VmRSS_mib")
        lines.append(
            f"| {label} | {s['rest_busy_ms'].get('p50')} ({s['ratio_busy_p50_to_raw']}x, "
            f"{s['ratio_busy_p50_to_raw_same_threads']}x) | {s['rest_headline_ms'].get('p50')} "
            f"({s['ratio_headline_p50_to_raw']}x, {s['ratio_headline_p50_to_raw_same_threads']}x) | "
            f"{s['single_client_throughput_img_s']} | {s[f'{n}_client_throughput_img_s']} ({s['throughput_ratio']}x) | "
            f"{s[f'{n}_client_errors']} | {s[f'{n}_client_p99_over_p50']} | {rss} |")
    return lines
