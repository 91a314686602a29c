"""(a) onnxruntime intra-op threads (1 / 2 / 0, spinning) and gRPC workers / stream window."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.calls import Call, grpc_call, run_load
from bench.config import VEHICLE_MODEL
from bench.data import Sample
from bench.experiments.variants import set_spinning
from bench.raw import input_tensor, make_session, time_run
from bench.service import GrpcEndpoint, grpc_server, in_process_service
from bench.stats import Json, load_avg, summarize, timed_ms
from clients.alpr_client import AlprClient, ImageItem
from server.bootstrap import Service
from server.detection.onnx_detector import OnnxDetector

RAW_VARIANTS = (("intra=1", 1, True), ("intra=2", 2, True), ("intra=0 (auto)", 0, True),
                ("intra=2 no-spin", 2, False), ("intra=0 no-spin", 0, False))


def raw_threads(image_sample: Sample, iters: int) -> Json:
    """YOLOv8n 640 session.run p50 per thread setting, interleaved run by run."""
    tensor = input_tensor(image_sample.decode())
    sessions = {label: make_session(VEHICLE_MODEL, intra, 1, spinning=spin) for label, intra, spin in RAW_VARIANTS}
    for session in sessions.values():
        for _ in range(2):
            time_run(session, tensor)
    times: dict[str, list[float]] = {label: [] for label in sessions}
    for _ in range(iters):
        for label, session in sessions.items():
            times[label].append(time_run(session, tensor))
    return {label: summarize(values) for label, values in times.items()}


@dataclass(frozen=True)
class ServiceVariant:
    """One server configuration: runtime threads, detector spinning, gRPC workers, stream window."""

    label: str
    intra_op_threads: int
    max_workers: int
    stream_window: int
    detector_spinning: bool = True

    def overrides(self) -> dict[str, str]:
        """GALAXY_ALPR__* overrides for this variant."""
        return {"GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS": str(self.intra_op_threads),
                "GALAXY_ALPR__SERVER__MAX_WORKERS": str(self.max_workers),
                "GALAXY_ALPR__SERVER__STREAM_WINDOW": str(self.stream_window)}


SERVICE_VARIANTS = (
    ServiceVariant("config.yaml: intra=0, workers=8, window=2", 0, 8, 2),
    ServiceVariant("intra=1, workers=8, window=2", 1, 8, 2),
    ServiceVariant("intra=2 no-spin, workers=8, window=2", 2, 8, 2, detector_spinning=False),
    ServiceVariant("intra=1, workers=2, window=2", 1, 2, 2),
    ServiceVariant("intra=1, workers=8, window=1", 1, 8, 1),
)


def _respin(service: Service, variant: ServiceVariant) -> None:
    if variant.detector_spinning:
        return
    for det in (service.analyzer.vehicle_detector, service.analyzer.plate_detector):
        if isinstance(det, OnnxDetector):
            set_spinning(det, variant.intra_op_threads, spinning=False)


def _stream_ms(target: str, sample: Sample, images: int, timeout_s: float) -> float:
    items = [ImageItem(name=sample.name, content=sample.content)] * images
    with AlprClient(target, timeout_s=timeout_s) as client:
        ms, _ = timed_ms(lambda: sum(1 for _ in client.process_images(items)))
    return ms


def _started(stack: ExitStack, base: Path, variants: tuple[ServiceVariant, ...]) -> Iterator[GrpcEndpoint]:
    for i, variant in enumerate(variants):
        service = stack.enter_context(in_process_service(base / f"v{i}", variant.overrides()))
        _respin(service, variant)
        yield stack.enter_context(grpc_server(service))


def service_threads(sample: Sample, *, single_requests: int, clients: int, rounds: int, stream_images: int,
                    timeout_s: float, variants: tuple[ServiceVariant, ...] = SERVICE_VARIANTS) -> Json:
    """Per variant: 1-client gRPC latency, N-client bursts and one N-image stream.

    Every variant's service is loaded up front (its own models and threads, one process) so that the
    single-client requests alternate between variants, and the bursts and streams run in rounds whose
    order reverses each time; load drift then falls on every variant alike.
    """
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-threads-") as tmp:
        endpoints = list(_started(stack, Path(tmp), variants))
        clients_by_variant = [stack.enter_context(AlprClient(e.target, timeout_s=timeout_s)) for e in endpoints]
        calls: list[Call] = [grpc_call(c, sample.content, sample.name) for c in clients_by_variant]
        for call in calls:
            call()
        single: list[list[float]] = [[] for _ in variants]
        for _ in range(single_requests):
            for i, call in enumerate(calls):
                single[i].append(timed_ms(call)[0])
        bursts: list[list[Json]] = [[] for _ in variants]
        streams: list[list[float]] = [[] for _ in variants]
        order = list(range(len(variants)))
        for r in range(rounds):
            for i in order if r % 2 == 0 else order[::-1]:
                target = endpoints[i].target

                def make(_c: int, target: str = target) -> tuple[Call, Callable[[], None]]:
                    client = AlprClient(target, timeout_s=timeout_s)
                    return grpc_call(client, sample.content, sample.name), client.close

                before = load_avg()
                run = run_load(make, clients, 1)
                run["load_before"], run["load_after"] = before, load_avg()
                bursts[i].append(run)
                streams[i].append(_stream_ms(target, sample, stream_images, timeout_s))
        out: Json = {}
        for i, variant in enumerate(variants):
            throughputs = [b["throughput_img_s"] or 0.0 for b in bursts[i]]
            stream_rates = [stream_images * 1e3 / ms for ms in streams[i]]
            out[variant.label] = {
                "single_client_ms": summarize(single[i]),
                f"{clients}_clients": {"throughput_img_s_mean": round(sum(throughputs) / len(throughputs), 3),
                                       "latency_p50_ms_mean": round(sum(b["latency_ms"].get("p50", 0.0)
                                                                        for b in bursts[i]) / len(bursts[i]), 1),
                                       "errors": sum(b["errors"] for b in bursts[i]),
                                       "rounds": bursts[i]},
                f"stream_{stream_images}_images": {"throughput_img_s_mean": round(sum(stream_rates) / len(stream_rates),
                                                                                  3),
                                                   "wall_ms": [round(ms, 1) for ms in streams[i]]},
            }
        return out
