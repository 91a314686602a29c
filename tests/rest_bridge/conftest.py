"""The bridge app in-process (TestClient) over a real gRPC server that has the history service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings


@pytest.fixture(scope="module")
def client(grpc_target: str) -> Iterator[TestClient]:
    """REST client of a bridge whose backend is the real gRPC server (SQLite history in a temp dir)."""
    with TestClient(create_app(BridgeSettings(grpc_target=grpc_target))) as c:
        yield c
