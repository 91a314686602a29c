"""Prometheus metrics of the gRPC server (prometheus-client), in a registry of their own.

Standard gRPC names (grpc_server_started_total, grpc_server_handled_total{grpc_code},
grpc_server_handling_seconds) plus the pipeline's: per-stage latency, reads by reader, rejected
images by reason, and the admission controller's queue depth, open streams and shed work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_STAGE_FIELDS = {"decode_ms": "decode", "vehicle_detection_ms": "vehicle_detection",
                 "plate_detection_ms": "plate_detection", "plate_recognition_ms": "plate_recognition",
                 "pairing_ms": "pairing", "saving_ms": "saving", "total_ms": "total"}


class _AdmissionCollector(Collector):
    """Reads the admission controller's live numbers at scrape time."""

    def __init__(self, source: Callable[[], dict[str, float]]) -> None:
        self._source = source

    def collect(self) -> Iterator[Any]:
        """Gauges and counters from the admission controller."""
        values = self._source()
        yield GaugeMetricFamily("alpr_inflight_images", "Images queued or running in the stage pool",
                                value=values["inflight_images"])
        yield GaugeMetricFamily("alpr_open_streams", "Streaming RPCs open now", value=values["streams"])
        shed = CounterMetricFamily("alpr_shed", "Work refused at once with RESOURCE_EXHAUSTED (OVERLOADED)",
                                   labels=["kind"])
        shed.add_metric(["stream"], values["shed_streams"])
        shed.add_metric(["image"], values["shed_images"])
        yield shed


class ServerMetrics:
    """Every metric the server exports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ["grpc_type", "grpc_service", "grpc_method"]
        self.started = Counter("grpc_server_started", "RPCs started on the server", labels, registry=self.registry)
        self.handled = Counter("grpc_server_handled", "RPCs completed on the server, by status code",
                               [*labels, "grpc_code"], registry=self.registry)
        self.handling = Histogram("grpc_server_handling_seconds", "Time to complete an RPC", labels,
                                  buckets=LATENCY_BUCKETS, registry=self.registry)
        self.stage = Histogram("alpr_stage_duration_seconds", "Per-image time of each pipeline stage", ["stage"],
                               buckets=LATENCY_BUCKETS, registry=self.registry)
        self.reads = Counter("alpr_plate_reads", "Plates read, by the reader that read them", ["reader"],
                             registry=self.registry)
        self.rejected = Counter("alpr_rejected_images", "Images answered with an error, by reason", ["reason"],
                                registry=self.registry)

    def watch_admission(self, source: Callable[[], dict[str, float]]) -> None:
        """Export the admission controller's numbers (read at scrape time)."""
        self.registry.register(_AdmissionCollector(source))

    def rpc_started(self, grpc_type: str, full_method: str) -> None:
        """Count a started RPC ("/package.Service/Method")."""
        service, method = _split(full_method)
        self.started.labels(grpc_type, service, method).inc()

    def rpc_handled(self, grpc_type: str, full_method: str, code: str, seconds: float) -> None:
        """Count a finished RPC and its duration."""
        service, method = _split(full_method)
        self.handled.labels(grpc_type, service, method, code).inc()
        self.handling.labels(grpc_type, service, method).observe(seconds)

    def image_done(self, out: object) -> None:
        """Stage times and reads of one stage output (full pipeline, one detector, or a read)."""
        times = getattr(out, "times", None)
        if times is not None:
            for field, stage in _STAGE_FIELDS.items():
                value = getattr(times, field, 0.0)
                if value:
                    self.stage.labels(stage).observe(value / 1000.0)
        for reading in _readings(out):
            if reading.plate_number:
                self.reads.labels(reading.provider or "unknown").inc()

    def image_rejected(self, reason: str) -> None:
        """Count an image answered with an error."""
        self.rejected.labels(reason).inc()

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics on host:port (0: a free port); returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(server.server_port)


def _split(full_method: str) -> tuple[str, str]:
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


def _readings(out: object) -> list[Any]:
    if hasattr(out, "readings"):
        return list(out.readings)
    detections = getattr(out, "detections", None) or []
    plates = [getattr(d, "plate", None) for d in detections]
    return [p.reading for p in plates if p is not None and getattr(p, "reading", None) is not None]
