"""The server's /metrics over real HTTP, parsed with prometheus_client's parser."""

from __future__ import annotations

import grpc
import httpx
from prometheus_client.parser import text_string_to_metric_families

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server.bootstrap import Service, utc_now
from server.grpc_api.app import create_server
from server.grpc_api.servicer import AlprServicer
from server.pipeline.counted_stages import CountedStages
from server.telemetry.metrics import ServerMetrics
from tests.conftest import data_set, labels


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_rpcs_stages_reads_and_rejections(service: Service) -> None:
    record = labels("openalpr-us")[0]
    photo = (data_set("openalpr-us") / record["image"]).read_bytes()
    metrics = ServerMetrics()
    servicer = AlprServicer(service.settings, CountedStages(service.pipeline, service.stats), service.system,
                            executor=service.executor, now=utc_now, metrics=metrics)
    server, port, _ = create_server(servicer, "127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AlprServiceStub(channel)
            requests = [pb.ProcessImagesRequest(image=types_pb2.ImageInput(content=c, file_name=n))
                        for c, n in ((photo, "car.jpg"), (b"GIF89a" + b"\0" * 30, "x.gif"))]
            answers = list(stub.ProcessImages(iter(requests)))
            assert answers[1].error.reason == "UNSUPPORTED_FORMAT"
            stub.GetHealth(pb.GetHealthRequest())
        metrics_port = metrics.serve("127.0.0.1", 0)
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    finally:
        server.stop(None)
    got = samples(text)
    service_name = "galaxy.alpr.v1.AlprService"

    def value(name: str, **label: str) -> float:
        return got.get((name, frozenset(label.items())), 0.0)

    assert value("grpc_server_handled_total", grpc_type="bidi_stream", grpc_service=service_name,
                 grpc_method="ProcessImages", grpc_code="OK") == 1
    assert value("grpc_server_handled_total", grpc_type="unary", grpc_service=service_name,
                 grpc_method="GetHealth", grpc_code="OK") == 1
    assert value("grpc_server_handling_seconds_count", grpc_type="bidi_stream", grpc_service=service_name,
                 grpc_method="ProcessImages") == 1
    assert value("alpr_stage_duration_seconds_count", stage="plate_detection") == 1
    assert value("alpr_stage_duration_seconds_count", stage="total") == 1
    assert sum(v for (n, _), v in got.items() if n == "alpr_plate_reads_total") >= 1
    assert value("alpr_rejected_images_total", reason="UNSUPPORTED_FORMAT") == 1
    assert ("alpr_inflight_images", frozenset()) in got and value("alpr_shed_total", kind="image") == 0
