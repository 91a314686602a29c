"""The bridge app in-process (httpx TestClient) over a real gRPC server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings


@pytest.fixture(scope="module")
def client(grpc_target: str) -> Iterator[TestClient]:
    """REST client of a bridge whose backend is the real gRPC server."""
    app = create_app(BridgeSettings(grpc_target=grpc_target))
    with TestClient(app) as c:
        yield c
