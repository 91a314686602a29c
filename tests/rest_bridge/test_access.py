"""API keys (REST and gRPC), per-key rate limits, CORS, TLS on both ports, /metrics, served-file headers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from server.bootstrap import Service, utc_now
from server.grpc_api.app import create_server, server_credentials
from server.grpc_api.servicer import AlprServicer
from server.pipeline.counted_stages import CountedStages
from tests.conftest import data_set, labels
from tests.reliability.certs import self_signed

API = "/galaxy-alpr/v1"


def photo() -> bytes:
    record = labels("openalpr-us")[0]
    return bytes((data_set("openalpr-us") / record["image"]).read_bytes())


def fresh_servicer(service: Service) -> AlprServicer:
    return AlprServicer(service.settings, CountedStages(service.pipeline, service.stats), service.system,
                        executor=service.executor, now=utc_now)


def test_rest_api_keys(grpc_target: str) -> None:
    app = create_app(BridgeSettings(grpc_target=grpc_target, api_keys="k-one,k-two"))
    with TestClient(app) as client:
        assert client.get(f"{API}/health").status_code == 200  # probes need no key
        r = client.get(f"{API}/stats")
        assert r.status_code == 401 and r.json()["reason"] == "UNAUTHENTICATED" and r.json()["success"] is False
        assert client.get(f"{API}/stats", headers={"X-API-Key": "wrong"}).status_code == 401
        assert client.get(f"{API}/stats", headers={"X-API-Key": "k-one"}).status_code == 200
        assert client.get(f"{API}/stats", headers={"Authorization": "Bearer k-two"}).status_code == 200


def test_per_key_rate_limit_answers_429_with_retry_after(grpc_target: str) -> None:
    app = create_app(BridgeSettings(grpc_target=grpc_target, api_keys="a,b",
                                    rate_limit_per_minute=3))
    with TestClient(app) as client:
        codes = [client.get(f"{API}/test/connection", headers={"X-API-Key": "a"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.get(f"{API}/test/connection", headers={"X-API-Key": "a"})
        assert r.status_code == 429 and r.json()["reason"] == "RATE_LIMITED" and int(r.headers["Retry-After"]) >= 1
        assert client.get(f"{API}/test/connection", headers={"X-API-Key": "b"}).status_code == 200  # per key


def test_cors_is_configurable(grpc_target: str) -> None:
    app = create_app(BridgeSettings(grpc_target=grpc_target, cors_origins="https://ops.example"))
    with TestClient(app) as client:
        ok = client.options(f"{API}/stats", headers={"Origin": "https://ops.example",
                                                     "Access-Control-Request-Method": "GET"})
        assert ok.headers["access-control-allow-origin"] == "https://ops.example"
        other = client.get(f"{API}/stats", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_metrics_parse_and_served_files_are_not_sniffed(client: TestClient) -> None:
    r = client.post(f"{API}/vehicle/detect-vehicle", files={"file": ("car.jpg", photo(), "image/jpeg")})
    assert r.status_code == 200
    path = r.json()["data"]["uploaded_image_path"].split("/", 1)[1]
    served = client.get(f"{API}/images/{path}")
    assert served.status_code == 200 and served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline; filename=")
    assert "sandbox" in served.headers["content-security-policy"]
    text = client.get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    requests = families["http_requests"].samples
    assert any(s.labels["route"] == f"{API}/vehicle/detect-vehicle" and s.labels["status"] == "200" for s in requests)
    assert "http_request_duration_seconds" in families


def test_grpc_api_keys_and_the_bridge_sending_its_key(service: Service) -> None:
    server, port, _ = create_server(fresh_servicer(service), "127.0.0.1:0", api_keys=("s3cret",))
    server.start()
    target = f"127.0.0.1:{port}"
    try:
        with grpc.insecure_channel(target) as channel:
            stub = pb_grpc.AlprServiceStub(channel)
            with pytest.raises(grpc.RpcError) as info:
                stub.GetStats(pb.GetStatsRequest(), timeout=5)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
            keyed = stub.GetStats(pb.GetStatsRequest(), timeout=5, metadata=(("x-api-key", "s3cret"),))
            assert keyed.uptime_seconds >= 0
            assert stub.GetStats(pb.GetStatsRequest(), timeout=5,
                                 metadata=(("authorization", "Bearer s3cret"),)).uptime_seconds >= 0
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert health.status == health_pb2.HealthCheckResponse.SERVING  # probes need no key
        with TestClient(create_app(BridgeSettings(grpc_target=target, grpc_api_key="s3cret"))) as bridge:
            assert bridge.get(f"{API}/stats").status_code == 200
        with TestClient(create_app(BridgeSettings(grpc_target=target))) as keyless:
            assert keyless.get(f"{API}/stats").status_code == 401
    finally:
        server.stop(None)


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def test_tls_on_the_grpc_port_and_the_rest_port(service: Service, tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    server, port, _ = create_server(fresh_servicer(service), "127.0.0.1:0",
                                    credentials=server_credentials(str(cert), str(key)))
    server.start()
    target = f"localhost:{port}"
    try:
        with grpc.insecure_channel(target) as plain, pytest.raises(grpc.RpcError):  # plaintext against TLS
            pb_grpc.AlprServiceStub(plain).GetServiceInfo(pb.GetServiceInfoRequest(), timeout=3)
        settings = BridgeSettings(grpc_target=target, grpc_tls_ca_file=str(cert), tls_cert_file=str(cert),
                                  tls_key_file=str(key))
        app = create_app(settings)
        web = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                            ssl_certfile=str(cert), ssl_keyfile=str(key)))
        thread = threading.Thread(target=web.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not web.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        https_port = web.servers[0].sockets[0].getsockname()[1]
        try:
            r = httpx.get(f"https://localhost:{https_port}{API}/test/connection", verify=str(cert), timeout=10)
            assert r.status_code == 200 and r.json()["backend"] == "connected", r.text
            with pytest.raises(httpx.ConnectError):  # an unknown certificate is refused by a verifying client
                httpx.get(f"https://localhost:{https_port}{API}/health", timeout=5)
        finally:
            web.should_exit = True
            thread.join(10)
    finally:
        server.stop(None)


@pytest.fixture(scope="module")
def client(grpc_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(BridgeSettings(grpc_target=grpc_target))) as c:
        yield c
