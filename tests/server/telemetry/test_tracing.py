"""One trace per REST request: the bridge's span, the server's RPC span, the image and every stage.

The SDK's in-memory exporter stands in for the OTLP collector (the only fake: spans are made by the real
bridge, gRPC channel, server and pipeline).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clients.telemetry import configure_tracing
from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from tests.conftest import data_set, labels

CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{CLIENT_TRACE}-b7ad6b7169203331-01"


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    trace.set_tracer_provider(provider)  # once per process; nothing else in the tests sets one
    return memory


@pytest.fixture(scope="module")
def bridge(grpc_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(BridgeSettings(grpc_target=grpc_target))) as client:
        yield client


def ours(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    """Our spans of that name (FastAPI adds spans of its own, scope "fastapi")."""
    return [s for s in spans if s.name == name and s.instrumentation_scope is not None
            and s.instrumentation_scope.name.startswith("galaxy_alpr")]


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = ours(spans, name)
    assert len(found) == 1, (name, [s.name for s in spans])
    return found[0]


def test_a_rest_request_is_one_trace_down_to_each_stage(exporter: InMemorySpanExporter, bridge: TestClient) -> None:
    record = labels("openalpr-us")[0]
    content = (data_set("openalpr-us") / record["image"]).read_bytes()
    exporter.clear()
    reply = bridge.post("/galaxy-alpr/v1/alpr-core/process-single-image", headers={"traceparent": TRACEPARENT},
                        files={"file": ("car.jpg", content, "image/jpeg")})
    assert reply.status_code == 200
    spans = exporter.get_finished_spans()
    rest = by_name(spans, "POST /galaxy-alpr/v1/alpr-core/process-single-image")
    rpc = by_name(spans, "ProcessImages")
    image = by_name(spans, "ProcessImages image")
    assert {format(s.context.trace_id, "032x") for s in spans} == {CLIENT_TRACE}  # the client's trace, continued
    assert rest.parent is not None and format(rest.parent.span_id, "016x") == TRACEPARENT.split("-")[2]
    assert rpc.parent is not None and rpc.parent.span_id == rest.context.span_id  # across the gRPC hop
    assert image.parent is not None and image.parent.span_id == rpc.context.span_id
    for stage in ("decode", "vehicle_detection", "plate_detection", "plate_recognition", "pairing", "save"):
        found = ours(spans, stage)  # in the stage thread, under the image (plate detection: whole image, search)
        assert found, stage
        for span in found:
            assert span.parent is not None and span.parent.span_id == image.context.span_id, stage
            assert span.end_time is not None and span.start_time is not None and span.end_time >= span.start_time
    assert rest.attributes is not None and rest.attributes["http.response.status_code"] == 200


def test_tracing_is_off_without_an_endpoint() -> None:
    assert configure_tracing("", "galaxy-alpr-server", "r1") is False
