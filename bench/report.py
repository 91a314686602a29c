"""The headline numbers and the Markdown rendering of a results document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.stages import STAGES
from bench.stats import Json, ratio


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def summary(results: Json) -> Json:
    """The few numbers people ask for first."""
    s = results.get("sections", {})
    head = _get(s, "e2e", "headline") or {}
    transports = head.get("transports", {})
    conc = _get(s, "e2e", "concurrency") or {}
    raw_p50 = _get(s, "raw", "latency_ms", "p50")
    rest_p50 = _get(transports, "rest_serve_py", "latency_ms", "p50")
    out: Json = {
        "raw_inference_p50_ms": raw_p50,
        "raw_inference_int8_vehicle_p50_ms": _get(s, "raw", "int8", "latency_ms", "p50"),
        "raw_inference_interleaved_p50_ms": _get(head, "raw_inference_ms", "p50"),
        "in_process_p50_ms": _get(transports, "in_process", "latency_ms", "p50"),
        "grpc_p50_ms": _get(transports, "grpc_serve_py", "latency_ms", "p50"),
        "rest_p50_ms": rest_p50,
        **(head.get("derived") or {}),
        "ratio_rest_p50_to_standalone_raw_p50": ratio(rest_p50, raw_p50),
        "speedup_ours_vs_naive_p50": _get(s, "baseline", "speedup_ours_vs_naive_p50"),
        "grpc_server_rss_mib_after_load": _get(s, "e2e", "memory_after_load", "grpc_server", "VmRSS_mib"),
        "video_frames_per_second": _get(s, "video", "frames_per_second"),
        "video_per_frame_cost_ratio_to_raw": _get(s, "video", "per_frame_cost_ratio_to_raw"),
    }
    for transport, entry in conc.items():
        out[f"{transport}_throughput_ratio"] = entry.get("throughput_ratio")
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, list):
        return " / ".join(_fmt(v) for v in value)
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _machine(results: Json) -> str:
    m = results.get("machine", {})
    rows = [[m.get("cpu_model"), m.get("logical_cpus"), m.get("ram_gib"), m.get("onnxruntime"),
             ", ".join(m.get("onnxruntime_providers", [])), m.get("python"), m.get("git_commit"), m.get("load_avg")]]
    return table(["CPU", "cores", "RAM GiB", "onnxruntime", "providers", "Python", "commit", "load at start"], rows)


def _stages(s: Json) -> str:
    entry = s.get("stages")
    if not entry:
        return ""
    sets = [k for k, v in entry.items() if isinstance(v, dict) and "stages_ms" in v]
    headers = ["stage"] + [f"{n} {q}" for n in sets for q in ("p50", "p95")]
    rows = [[name] + [v for n in sets for v in (entry[n]["stages_ms"][name].get("p50"),
                                                 entry[n]["stages_ms"][name].get("p95"))] for name in STAGES]
    notes = "; ".join(f"{n}: {entry[n]['images']} images {entry[n]['sizes']}" for n in sets)
    return "### Per-stage latency, in-process (ms)\n\n" + table(headers, rows) + f"\n\n{notes}\n"


def _e2e(s: Json) -> str:
    head = _get(s, "e2e", "headline")
    if not head:
        return ""
    rows = [[name, *[t["latency_ms"].get(q) for q in ("p50", "p95", "p99")], t["server_pipeline_ms"].get("p50"),
             t["overhead_ms"].get("p50")] for name, t in head["transports"].items()]
    rows.append(["raw YOLOv8n 640 (interleaved)", *[head["raw_inference_ms"].get(q) for q in ("p50", "p95", "p99")],
                 "-", "-"])
    derived = head.get("derived", {})
    lines = [f"- {k}: {_fmt(v)}" for k, v in derived.items()]
    return ("### End to end, headline photo (ms)\n\n"
            + table(["path", "p50", "p95", "p99", "server pipeline p50", "latency - server p50"], rows)
            + "\n\n" + "\n".join(lines) + "\n")


def _concurrency(s: Json) -> str:
    conc = _get(s, "e2e", "concurrency")
    if not conc:
        return ""
    rows = []
    for transport, entry in conc.items():
        for _key, run in entry.items():
            if isinstance(run, dict):
                lat = run["latency_ms"]
                rows.append([transport, run["clients"], run["requests"], run["ok"], run["errors"],
                             run["throughput_img_s"], lat.get("p50"), lat.get("p95"), lat.get("p99")])
        rows.append([transport, "ratio N/1", "", "", "", entry.get("throughput_ratio"), "", "", ""])
    return "### Concurrency (serve.py processes)\n\n" + table(
        ["transport", "clients", "requests", "ok", "errors", "img/s", "p50 ms", "p95 ms", "p99 ms"], rows) + "\n"


def _memory(s: Json) -> str:
    e = s.get("e2e") or {}
    rows = []
    for when in ("memory_after_warmup", "memory_after_load"):
        for proc, m in (e.get(when) or {}).items():
            rows.append([when.removeprefix("memory_"), proc, m.get("VmRSS_mib"), m.get("VmHWM_mib")])
    return "### Memory (MiB)\n\n" + table(["when", "process", "VmRSS", "VmHWM (peak)"], rows) + "\n" if rows else ""


def _baseline(s: Json, key: str = "baseline", title: str = "Naive baseline (paired, same images)") -> str:
    b = s.get(key)
    if not b or "ours_ms" not in b:
        return ""
    rows = [["ours (AlprPipeline.process, saves artefacts)", b["ours_ms"].get("p50"), b["ours_ms"].get("p95")],
            [f"naive ultralytics .pt (torch {b.get('torch')}, {b.get('torch_threads')} thread(s))",
             b["naive_ms"].get("p50"), b["naive_ms"].get("p95")]]
    return (f"### {title}\n\n" + table(["pipeline", "p50 ms", "p95 ms"], rows)
            + "\n\nspeed-up of ours (naive p50 / ours p50; > 1 means ours is faster): "
              f"{_fmt(b.get('speedup_ours_vs_naive_p50'))}, per-image median: "
              f"{_fmt(b.get('speedup_ours_vs_naive_per_image_median'))} over {len(b.get('images', []))} images; "
              f"stage p50 ms {b.get('stage_p50_ms')}; plates read {b.get('plates_read')}\n")


def _profile(s: Json) -> str:
    p = s.get("profile")
    if not p or "focus" not in p:
        return ""
    focus = table(["what", "calls/image", "cumulative ms/image"],
                  [[f["what"], f["calls_per_image"], f["cum_ms_per_image"]] for f in p["focus"]])
    top = table(["function", "calls/image", "self ms", "cumulative ms"],
                [[t["function"], t["calls_per_image"], t["self_ms_per_image"], t["cum_ms_per_image"]]
                 for t in p["top_self_time"][:12]])
    split = table(["detector", "input", "preprocess", "inference", "postprocess"],
                  [[k, v["input"], v["preprocess_ms"], v["inference_ms"], v["postprocess_ms"]]
                   for k, v in p.get("detector_split", {}).items()])
    return (f"### Profile of one image ({p['image']}, cProfile, {p['iterations']} calls)\n\n"
            f"Stages under the profiler (p50 ms): {p['stage_ms_under_profiler']}\n\n{focus}\n\n"
            f"Top self time:\n\n{top}\n\nDetector split (p50 ms, no profiler):\n\n{split}\n")


def _experiments(s: Json) -> str:
    parts: list[str] = []
    raw = s.get("exp_threads_raw")
    if raw and "error" not in raw:
        rows = [[k, v.get("p50"), v.get("p95")] for k, v in raw.items() if isinstance(v, dict) and "p50" in v]
        parts.append("#### (a) onnxruntime threads, raw YOLOv8n 640 (interleaved)\n\n"
                     + table(["setting", "p50 ms", "p95 ms"], rows))
    svc = s.get("exp_threads_service")
    if svc and "error" not in svc:
        rows = []
        for label, v in svc.items():
            if not isinstance(v, dict) or "single_client_ms" not in v:
                continue
            burst = next(x for k, x in v.items() if k.endswith("_clients"))
            stream = next(x for k, x in v.items() if k.startswith("stream_"))
            rows.append([label, v["single_client_ms"].get("p50"), burst["throughput_img_s_mean"],
                         burst["latency_p50_ms_mean"], burst["errors"], stream["throughput_img_s_mean"]])
        parts.append("#### (a) service configurations over gRPC (in-bench servers, bursts in alternating rounds)\n\n"
                     + table(["configuration", "1 client p50 ms", "N clients img/s", "N clients p50 ms", "errors",
                              "one N-image stream img/s"], rows))
    dec = s.get("exp_decode")
    if dec and "variants" in dec:
        rows = [[k, v["decode_ms"].get("p50"), v["vehicle_plus_plate_detection_ms"].get("p50"),
                 v["ocr_ms"].get("p50"), v["annotated_jpeg_encode_ms"].get("p50"), v["plate_recall_iou50"],
                 v["exact_read_rate"]] for k, v in dec["variants"].items()]
        parts.append(f"#### (b) reduced JPEG decode ({dec['images']} of {dec['of_images']} openalpr-us photos "
                     f"qualify, {dec['labelled_plates']} plates)\n\n" + table(
                         ["decode", "decode p50", "detect p50", "OCR p50", "JPEG encode p50", "plate recall",
                          "exact reads"], rows))
    size = s.get("exp_imgsz")
    if size and "sets" in size:
        sets = list(size["sets"])
        labels = list(next(iter(size["sets"].values()))["variants"]) if sets else []
        headers = ["plate detector"] + [f"{n} {q}" for n in sets for q in ("p50 ms", "recall")]
        rows = [[label] + [x for n in sets for x in (size["sets"][n]["variants"][label]["plate_stage_ms"].get("p50"),
                                                      size["sets"][n]["variants"][label]["plate_recall_iou50"])]
                for label in labels]
        parts.append("#### (c) plate detector input size / vehicle crops\n\n" + table(headers, rows)
                     + f"\n\n{size.get('vehicle_note')}; vehicle 640 p50 ms: "
                     + ", ".join(f"{n} {_fmt(size['sets'][n]['vehicle_detection_640_ms'].get('p50'))}" for n in sets))
    srch = s.get("exp_search")
    if srch and "sets" in srch:
        sets = list(srch["sets"])
        labels = list(next(iter(srch["sets"].values()))["variants"]) if sets else []
        headers = ["plate stage"] + [f"{n} {q}" for n in sets for q in ("p50 ms", "p95 ms", "recall")]
        rows = [[label] + [x for n in sets for x in (srch["sets"][n]["variants"][label]["plate_stage_ms"].get("p50"),
                                                      srch["sets"][n]["variants"][label]["plate_stage_ms"].get("p95"),
                                                      srch["sets"][n]["variants"][label]["plate_recall_iou50"])]
                for label in labels]
        counts = ", ".join(f"{n}: {srch['sets'][n]['images']} images" for n in sets)
        parts.append(f"#### (c2) second plate search inside vehicles ({counts})\n\n" + table(headers, rows))
    par = s.get("exp_parallel")
    if par and "variants" in par:
        rows = [[k, v.get("p50"), v.get("p95")] for k, v in par["variants"].items()]
        parts.append("#### (d) vehicle + plate detection: sequential vs two threads (wall ms)\n\n"
                     + table(["variant", "p50", "p95"], rows))
    blas = s.get("exp_blas")
    if blas and "variants" in blas:
        rows = [[k, v["ocr_ms"].get("p50"), v["ocr_ms"].get("p95"), v["total_ms"].get("p50"), v["total_ms"].get("p95")]
                for k, v in blas["variants"].items()]
        parts.append("#### (e) OpenBLAS threads (OCR's class-folding matmul), headline photo, interleaved\n\n"
                     + table(["setting", "OCR p50", "OCR p95", "total p50", "total p95"], rows))
    parts.extend(_recommended(s))
    tuned = _baseline(s, "exp_baseline_tuned",
                      "Naive baseline again: ours with intra=1, both with OPENBLAS_NUM_THREADS=1")
    if tuned:
        parts.append(tuned.replace("### ", "#### "))
    return "### Experiments\n\n" + "\n\n".join(parts) + "\n" if parts else ""


def _recommended(s: Json) -> list[str]:
    parts: list[str] = []
    rest = s.get("exp_recommended_rest")
    if rest and "variants" in rest:
        rows = []
        for label, v in rest["variants"].items():
            mem = v["memory_after_load"].get("grpc_server", {})
            rows.append([label, v["rest_latency_ms"].get("p50"), v["rest_latency_ms"].get("p95"),
                         v["ratio_rest_p50_to_raw_p50_same_threads"], v["ratio_rest_p50_to_best_raw_p50"],
                         next(x for k, x in v.items() if k.endswith("_throughput_img_s_mean")), v["errors"],
                         v["memory_after_warmup"].get("grpc_server", {}).get("VmRSS_mib"), mem.get("VmRSS_mib")])
        raw = ", ".join(f"{k} p50 {_fmt(v.get('p50'))}" for k, v in rest["raw_ms"].items())
        parts.append("#### Recommended settings together: serve.py processes over REST (interleaved)\n\n" + table(
            ["server environment", "REST p50", "REST p95", "REST/raw (same threads)", "REST/best raw",
             "N clients img/s", "errors", "RSS warm MiB", "RSS after load MiB"], rows) + f"\n\nraw: {raw}")
    inproc = s.get("exp_recommended_inproc")
    if inproc and "variants" in inproc:
        rows = [[label, *[v["stages_ms"][k].get("p50") for k in ("vehicle_detection", "plate_detection", "ocr",
                                                                 "saving", "total")],
                 v["stages_ms"]["total"].get("p95"), v["ratio_total_p50_to_raw_intra1_p50"]]
                for label, v in inproc["variants"].items()]
        parts.append("#### Recommended settings + two-thread detection, in-process (interleaved, p50 ms)\n\n" + table(
            ["pipeline", "vehicles", "plates", "OCR", "saving", "total", "total p95", "total/raw(intra=1)"], rows)
            + f"\n\nraw intra=1 p50: {_fmt(inproc['raw_intra1_ms'].get('p50'))}")
    return parts


def _loads(results: Json) -> str:
    rows = [[name, e.get("load_before"), e.get("load_after"), e.get("wall_s"), e.get("error", "")]
            for name, e in results.get("sections", {}).items()]
    return ("### Machine load per section (1/5/15 min load average; 2 cores shared with other jobs)\n\n"
            + table(["section", "load before", "load after", "wall s", "error"], rows) + "\n")


def _video(s: Json) -> str:
    v = s.get("video")
    if not v or "error" in v:
        return ""
    return (f"### Video (10 fps 1280x720, defaults)\n\n{v['video']['frames']} frames "
            f"({v['frames_processed']} analysed at sample_fps {v['settings']['sample_fps']}) in {v['wall_s']} s: "
            f"{v['frames_per_second']} frames/s, {v['per_frame_ms']} ms per frame = "
            f"{v['per_frame_cost_ratio_to_raw']} x a raw YOLOv8n 640 pass "
            f"({v['raw_yolov8n_640_p50_ms']['mean']} ms p50, same run); "
            f"fps x raw p50 = {v['fps_x_raw_p50_s']} (target >= 1.0). "
            f"Stages (ms): {v['stage_times_ms']}")


def _onepass(s: Json) -> str:
    """Issue 13's steps (bench/experiments/onepass.py)."""
    entry = s.get("onepass")
    if not entry or "steps" not in entry:
        return f"### One detector pass, step by step\n\n{entry.get('error')}" if entry else ""
    from bench.experiments.onepass import markdown as onepass_markdown

    return "### One detector pass, step by step (REST, same run)\n\n" + "\n".join(onepass_markdown(entry))


def markdown(results: Json) -> str:
    """The whole report."""
    s = results.get("sections", {})
    head = results.get("headline", {})
    parts = [
        f"## Galaxy ALPR benchmark ({results.get('mode')} run, {_get(results, 'machine', 'timestamp')})",
        _machine(results),
        f"Headline photo: {head.get('image')} {head.get('width')}x{head.get('height')}, "
        f"found {head.get('detections')}, read {head.get('plates_read')} (label {head.get('label')}). "
        f"Runtime: {results.get('runtime')}; server: {results.get('server')}.",
        "### Summary\n\n" + table(["metric", "value"], [[k, v] for k, v in (results.get("summary") or {}).items()]),
        _stages(s),
        (f"### Raw onnxruntime YOLOv8n 640x640\n\n{_fmt(_get(s, 'raw', 'latency_ms'))} "
         f"(intra_op_threads={_get(s, 'raw', 'intra_op_threads')}); the served INT8 vehicle model: "
         f"{_fmt(_get(s, 'raw', 'int8', 'latency_ms'))}" if _get(s, "raw", "latency_ms") else ""),
        _video(s), _e2e(s), _concurrency(s), _memory(s), _onepass(s), _baseline(s), _profile(s), _experiments(s),
        _loads(results),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"
