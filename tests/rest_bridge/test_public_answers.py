"""No answer shows an absolute path (model files) or the backend's address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings

API = "/galaxy-alpr/v1"


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_system_answers_hold_no_absolute_paths(grpc_target: str) -> None:
    with TestClient(create_app(BridgeSettings(grpc_target=grpc_target))) as client:
        for route in ("test/models", "pipeline/info", "config", "health", "stats"):
            body = client.get(f"{API}/{route}").json()
            absolute = [s for s in strings(body) if s.startswith("/") or "/work/" in s or "/tmp/" in s]
            assert not absolute, (route, absolute)
        models = client.get(f"{API}/test/models").json()
        assert models["models"]["vehicle_detector"]["model_path"].endswith(".onnx")
