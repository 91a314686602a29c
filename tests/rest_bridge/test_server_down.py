"""With the gRPC server unreachable the bridge holds no copy of its limits: 503, never a guess."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from server.errors import Reason
from tests.support.served import free_port

API = "/galaxy-alpr/v1"


@pytest.fixture(scope="module")
def orphan() -> Iterator[TestClient]:
    app = create_app(BridgeSettings(grpc_target=f"127.0.0.1:{free_port()}", unary_deadline_s=0.5))
    with TestClient(app) as client:
        yield client


def test_limits_are_unknown_and_uploads_are_503_unread(orphan: TestClient) -> None:
    assert orphan.app.state.limits.known is None  # type: ignore[attr-defined]
    r = orphan.post(f"{API}/alpr-core/process-single-image", files={"file": ("a.jpg", b"\xff\xd8" * 10, "image/jpeg")})
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    body = r.json()
    assert body["reason"] == Reason.BACKEND_UNAVAILABLE and body["success"] is False
    assert body["timestamp"].endswith("+00:00")  # UTC until the server's timezone is known


def test_routes_that_need_a_limit_answer_503(orphan: TestClient) -> None:
    r = orphan.get(f"{API}/pipeline/info")
    assert r.status_code == 503 and r.json()["reason"] == Reason.BACKEND_UNAVAILABLE


def test_health_says_unavailable(orphan: TestClient) -> None:
    r = orphan.get(f"{API}/health")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
