"""Excess load is shed with 429 + Retry-After: by the server's in-flight bound and by the bridge's own."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from server.bootstrap import Service, utc_now
from server.grpc_api.app import create_server
from server.grpc_api.servicer import AlprServicer
from server.pipeline.counted_stages import CountedStages
from tests.conftest import data_set, labels

API = "/galaxy-alpr/v1"


def photo() -> bytes:
    record = labels("openalpr-us")[0]
    return bytes((data_set("openalpr-us") / record["image"]).read_bytes())


def burst(client: TestClient, n: int) -> list[Any]:
    content, answers = photo(), []
    lock = threading.Lock()

    def one() -> None:
        r = client.post(f"{API}/alpr-core/process-single-image", files={"file": ("a.jpg", content, "image/jpeg")})
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def assert_served_or_shed(answers: list[Any]) -> None:
    codes = sorted(a.status_code for a in answers)
    assert 200 in codes and 429 in codes and set(codes) <= {200, 429}, codes
    for a in answers:
        if a.status_code == 429:
            body: dict[str, Any] = a.json()
            assert body["reason"] == "OVERLOADED" and body["success"] is False
            assert int(a.headers["Retry-After"]) >= 1


def test_the_servers_in_flight_bound_reaches_rest_as_429(service: Service) -> None:
    settings = service.settings.model_copy(
        update={"server": service.settings.server.model_copy(update={"max_inflight_images": 1})})
    servicer = AlprServicer(settings, CountedStages(service.pipeline, service.stats), service.system,
                            executor=service.executor, now=utc_now)
    server, port, _ = create_server(servicer, "127.0.0.1:0")
    server.start()
    try:
        app = create_app(BridgeSettings(grpc_target=f"127.0.0.1:{port}", max_inflight_requests=0))
        with TestClient(app) as client:
            assert_served_or_shed(burst(client, 4))
    finally:
        server.stop(None)


def test_the_bridge_sheds_before_reading_the_body(grpc_target: str) -> None:
    with TestClient(create_app(BridgeSettings(grpc_target=grpc_target, max_inflight_requests=1))) as client:
        answers = burst(client, 4)
        assert_served_or_shed(answers)
        shed = [a for a in answers if a.status_code == 429]
        assert all("1 requests in progress" in a.json()["error"] for a in shed)
        metrics = client.get("/metrics").text
        assert 'bridge_shed_responses_total{status="429"}' in metrics
