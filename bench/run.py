"""Run the benchmarks and write bench/results/latest.json and latest.md.

    python -m bench.run [--quick] [--out bench/results] [--experiments] [--only stages,raw,...]

Without --experiments: the core sections (per-stage latency, raw inference, profile, end to end,
concurrency, memory, naive baseline). --experiments adds the exp_* optimisation measurements.

Every loop is bounded, every socket is on 127.0.0.1, and every process started here is stopped here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bench import e2e, report
from bench.baseline import run_baseline
from bench.calls import grpc_call, in_process_call, rest_call
from bench.config import DEFAULT_OUT, PLATE_MODEL, SCENE_SETS, SERVED_VEHICLE_MODEL, VEHICLE_MODEL, BenchConfig
from bench.data import Sample, headline, load_set
from bench.machine import describe
from bench.profiling import profile_pipeline
from bench.raw import input_tensor, make_session, raw_inference, time_run
from bench.served import serve
from bench.service import grpc_server, in_process_service
from bench.stages import stage_latencies
from bench.stats import Json, load_avg, section
from server.bootstrap import Service
from server.pipeline.results import ImageRequest

log = logging.getLogger("bench")

CORE_SECTIONS = ("stages", "raw", "video", "profile", "e2e", "onepass", "baseline", "hostile", "soak")
EXPERIMENT_SECTIONS = ("exp_threads_raw", "exp_threads_service", "exp_decode", "exp_imgsz", "exp_parallel",
                       "exp_blas", "exp_recommended_inproc", "exp_recommended_rest", "exp_baseline_tuned",
                       "exp_search")
ALL_SECTIONS = CORE_SECTIONS + EXPERIMENT_SECTIONS


def check_headline(service: Service, sample: Sample) -> Json:
    """What the pipeline finds on the headline photo (it should be one car with one plate)."""
    out = service.pipeline.process(ImageRequest(sample.content, sample.name))
    kinds = [d.detection_type for d in out.detections]
    return {"image": f"{sample.data_set}/{sample.name}", "width": out.width, "height": out.height,
            "bytes": len(sample.content), "detections": kinds,
            "plates_read": [d.plate.reading.plate_number for d in out.detections
                            if d.plate is not None and d.plate.reading is not None],
            "label": list(sample.texts)}


def baseline_paths(sample: Sample, cfg: BenchConfig) -> list[Path]:
    """The headline photo and the first openalpr-us photos after it."""
    others = [s.path for s in load_set("openalpr-us", cfg.baseline_images + 1) if s.name != sample.name]
    return [sample.path, *others][:cfg.baseline_images]


def run_e2e(service: Service, sample: Sample, cfg: BenchConfig, tmp: Path, entry: Json) -> None:
    """Headline latency per transport, memory after warm-up, concurrency, memory after load."""
    import httpx

    from clients.alpr_client import AlprClient

    raw_session = make_session(VEHICLE_MODEL, service.settings.runtime.intra_op_threads,
                               service.settings.runtime.inter_op_threads)
    tensor = input_tensor(sample.decode())
    with serve(tmp / "serve", cfg.startup_timeout_s) as served, grpc_server(service) as local, \
            AlprClient(local.target, timeout_s=cfg.request_timeout_s) as local_client, \
            AlprClient(served.grpc_target, timeout_s=cfg.request_timeout_s) as served_client, \
            httpx.Client(timeout=cfg.request_timeout_s) as http:
        calls = {
            "in_process": in_process_call(service.pipeline, sample.content, sample.name),
            "grpc_in_bench_server": grpc_call(local_client, sample.content, sample.name),
            "grpc_serve_py": grpc_call(served_client, sample.content, sample.name),
            "rest_serve_py": rest_call(http, served.rest_url, sample.content, sample.name),
        }
        entry["headline"] = e2e.headline_latency(calls, lambda: time_run(raw_session, tensor), cfg.e2e_iters,
                                                 warmup=1 if cfg.quick else 2)
        entry["memory_after_warmup"] = e2e.server_memory(served)
        entry["concurrency"] = e2e.concurrency(
            served, sample, single_requests=cfg.single_client_requests, clients=cfg.multi_clients,
            requests_per_client=cfg.multi_client_requests, timeout_s=cfg.request_timeout_s)
        entry["memory_after_load"] = e2e.server_memory(served)
        entry["server_config"] = "config/config.yaml + GALAXY_ALPR__OCR__PROVIDER=local, loopback ports"


def run_reliability(names: set[str], sample: Sample, cfg: BenchConfig, tmp: Path, sections: Json,
                    progress: Callable[[str], None]) -> None:
    """Decoder bombs through REST (time, server memory) and the bounded 16-client soak."""
    from bench.soak import hostile, soak

    with serve(tmp / "reliability", cfg.startup_timeout_s) as served:
        if "hostile" in names:
            progress("hostile: decoder bombs through REST")
            with section(sections, "hostile") as entry:
                entry.update(hostile(served))
        if "soak" in names:
            progress(f"soak: {cfg.soak_clients} REST clients for {cfg.soak_s:.0f} s")
            with section(sections, "soak") as entry:
                entry.update(soak(served, sample, clients=cfg.soak_clients, duration_s=cfg.soak_s,
                                  timeout_s=cfg.request_timeout_s))


def run_experiments(names: set[str], service: Service, sample: Sample, cfg: BenchConfig, results: Json) -> None:
    """The optimisation experiments, each its own section."""
    from bench.experiments import blas, decode, imgsz, parallel, recommended, search, threads

    det = service.settings.detection
    intra = service.settings.runtime.intra_op_threads
    sets = {name: load_set(name, cfg.exp_images) for name in SCENE_SETS}
    if "exp_threads_raw" in names:
        with section(results, "exp_threads_raw") as entry:
            entry.update(threads.raw_threads(sample, cfg.exp_iters))
    if "exp_threads_service" in names:
        with section(results, "exp_threads_service") as entry:
            entry.update(threads.service_threads(
                sample, single_requests=max(2, cfg.exp_iters // 2), clients=cfg.multi_clients,
                rounds=cfg.exp_rounds, stream_images=cfg.multi_clients, timeout_s=cfg.request_timeout_s))
    if "exp_decode" in names and service.analyzer.ocr is not None:
        from server.detection.onnx_detector import OnnxDetector

        vehicle, plate = service.analyzer.vehicle_detector, service.analyzer.plate_detector
        with section(results, "exp_decode") as entry:
            if not isinstance(vehicle, OnnxDetector) or not isinstance(plate, OnnxDetector):
                raise RuntimeError("detectors not loaded")
            entry.update(decode.reduced_decode(sets["openalpr-us"], vehicle, plate, service.analyzer.ocr,
                                               det.plate_confidence_threshold, det.iou_threshold))
            entry["runtime_intra_op_threads"] = intra
    if "exp_imgsz" in names:
        with section(results, "exp_imgsz") as entry:
            entry.update(imgsz.input_sizes(sets, VEHICLE_MODEL, PLATE_MODEL, intra_op_threads=intra,
                                           conf=det.plate_confidence_threshold, iou=det.iou_threshold,
                                           padding=det.vehicle_padding))
            entry["runtime_intra_op_threads"] = intra
    if "exp_search" in names:
        with section(results, "exp_search") as entry:
            entry.update(search.second_search(service, sets))
            entry["runtime_intra_op_threads"] = intra
    if "exp_parallel" in names:
        with section(results, "exp_parallel") as entry:
            chosen = [sample, *[s for s in sets["openalpr-us"] if s.name != sample.name][:3]]
            entry.update(parallel.parallel_detection(
                chosen, VEHICLE_MODEL, PLATE_MODEL, repeats=max(2, cfg.exp_iters // 4),
                conf=det.plate_confidence_threshold, iou=det.iou_threshold))
    if "exp_blas" in names:
        with section(results, "exp_blas") as entry:
            entry.update(blas.blas_threads(service.pipeline, sample, cfg.exp_iters))
    if "exp_recommended_inproc" in names:
        with section(results, "exp_recommended_inproc") as entry:
            entry.update(recommended.in_process_variants(sample, cfg.exp_iters))
    if "exp_baseline_tuned" in names:
        with section(results, "exp_baseline_tuned") as entry:
            entry.update(run_baseline(baseline_paths(sample, cfg), timeout_s=600,
                                      overrides={"GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS": "1"},
                                      extra_env={"OPENBLAS_NUM_THREADS": "1"}))
    if "exp_recommended_rest" in names:
        with section(results, "exp_recommended_rest") as entry:
            entry.update(recommended.rest_variants(
                sample, iters=cfg.exp_iters, clients=cfg.multi_clients, rounds=cfg.exp_rounds,
                timeout_s=cfg.request_timeout_s, startup_timeout_s=cfg.startup_timeout_s))


def run(cfg: BenchConfig, names: set[str], progress: Callable[[str], None] = log.info) -> Json:
    """Run the chosen sections; returns the results document."""
    results: Json = {"schema": 1, "mode": "quick" if cfg.quick else "full", "machine": describe(),
                     "config": cfg.__dict__, "sections": {}}
    sections: Json = results["sections"]
    started = time.perf_counter()
    sample = headline()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name, \
            in_process_service(Path(tmp_name) / "svc") as service:
        tmp = Path(tmp_name)
        results["headline"] = check_headline(service, sample)
        results["runtime"] = service.settings.runtime.model_dump()
        results["server"] = service.settings.server.model_dump()
        if "stages" in names:
            progress("stages: per-stage latency")
            with section(sections, "stages") as entry:
                for set_name in SCENE_SETS:
                    entry[set_name] = stage_latencies(service.pipeline, load_set(set_name, cfg.stage_images))
        if "raw" in names:
            progress("raw: onnxruntime YOLOv8n 640")
            with section(sections, "raw") as entry:
                entry.update(raw_inference(VEHICLE_MODEL, sample.decode(), cfg.raw_iters,
                                           service.settings.runtime.intra_op_threads,
                                           service.settings.runtime.inter_op_threads))
                entry["int8"] = raw_inference(SERVED_VEHICLE_MODEL, sample.decode(), cfg.raw_iters,
                                              service.settings.runtime.intra_op_threads,
                                              service.settings.runtime.inter_op_threads)
        if "video" in names:
            progress("video: frames per second of a 10 fps 1280x720 video, ratio to a raw YOLOv8n pass")
            from bench.video import video_throughput

            with section(sections, "video") as entry:
                entry.update(video_throughput(service, tmp, vehicles=2 if cfg.quick else 6,
                                              raw_iters=max(10, cfg.raw_iters)))
        if "profile" in names:
            progress("profile: cProfile of one image")
            with section(sections, "profile") as entry:
                entry.update(profile_pipeline(service, sample, cfg.profile_iters))
        if "e2e" in names:
            progress("e2e: in-process vs gRPC vs REST, concurrency, memory")
            with section(sections, "e2e") as entry:
                run_e2e(service, sample, cfg, tmp, entry)
        if "onepass" in names:
            progress("onepass: two detectors -> one pass -> rect input -> thread plans (REST, interleaved)")
            with section(sections, "onepass") as entry:
                from bench.experiments.onepass import one_pass_steps

                entry.update(one_pass_steps(
                    sample, iters=cfg.e2e_iters, clients=cfg.multi_clients,
                    single_requests=cfg.single_client_requests, requests_per_client=cfg.multi_client_requests,
                    rounds=max(1, cfg.exp_rounds), timeout_s=cfg.request_timeout_s,
                    startup_timeout_s=cfg.startup_timeout_s))
        if "hostile" in names or "soak" in names:
            run_reliability(names, sample, cfg, tmp, sections, progress)
        if "baseline" in names:
            progress("baseline: ultralytics .pt in torch (subprocess)")
            with section(sections, "baseline") as entry:
                entry.update(run_baseline(baseline_paths(sample, cfg), timeout_s=600))
        experiments = names & set(EXPERIMENT_SECTIONS)
        if experiments:
            progress(f"experiments: {', '.join(sorted(experiments))}")
            run_experiments(experiments, service, sample, cfg, sections)
    results["summary"] = report.summary(results)
    results["total_wall_s"] = round(time.perf_counter() - started, 1)
    results["load_at_end"] = load_avg()
    return results


def write(results: Json, out: Path) -> tuple[Path, Path]:
    """latest.json, latest.md and a timestamped copy of the JSON under out."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, default=str)
    (out / "latest.json").write_text(text)
    stamp = results["machine"]["timestamp"].replace(":", "").replace("-", "")
    (out / f"run-{stamp}-{results['mode']}.json").write_text(text)
    (out / "latest.md").write_text(report.markdown(results))
    return out / "latest.json", out / "latest.md"


def main(argv: list[str] | None = None) -> int:
    """CLI entry point (make bench)."""
    parser = argparse.ArgumentParser(description="Galaxy ALPR benchmarks")
    parser.add_argument("--quick", action="store_true", help="smoke run: few iterations (< 2 min)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder (default bench/results)")
    parser.add_argument("--only", default="", help=f"comma-separated sections: {','.join(ALL_SECTIONS)}")
    parser.add_argument("--experiments", action="store_true",
                        help="also run the optimisation experiments (exp_*; long on a busy machine)")
    parser.add_argument("--history", action="store_true",
                        help="only the read-history search benchmark (bench/history.py: 1M reads, SQLite and "
                             "PostgreSQL; with --quick 20k reads); writes <out>/history.json")
    parser.add_argument("--exp-images", type=int, default=None,
                        help="images per data set in the recall experiments (0: all; default 40, quick 4)")
    parser.add_argument("--soak-s", type=float, default=None, help="soak duration (default 60 s, quick 10 s)")
    args = parser.parse_args(argv)
    if args.history:
        from bench import history

        return history.main(["--out", str(args.out), *(["--quick"] if args.quick else [])])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    cfg = BenchConfig.quick_run() if args.quick else BenchConfig.full()
    if args.exp_images is not None:
        cfg = replace(cfg, exp_images=args.exp_images)
    if args.soak_s is not None:
        cfg = replace(cfg, soak_s=args.soak_s)
    names = set(args.only.split(",")) if args.only else set(ALL_SECTIONS if args.experiments else CORE_SECTIONS)
    unknown = names - set(ALL_SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(ALL_SECTIONS)}")
    results = run(cfg, names)
    json_path, md_path = write(results, args.out)
    print(report.markdown(results))
    print(f"wrote {json_path} and {md_path}", file=sys.stderr)
    failed = [name for name, entry in results["sections"].items() if "error" in entry]
    if failed:
        print(f"sections with errors: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
