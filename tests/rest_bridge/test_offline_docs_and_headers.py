"""/docs and /redoc load nothing from the internet; over-large request headers get 431 in the envelope."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rest_bridge.docs import ASSETS_URL
from rest_bridge.http_protocol import EnvelopeH11Protocol
from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from tests.support.uvicorn_server import uvicorn_serving

UNUSED_TARGET = "127.0.0.1:9"  # nothing answers: these tests never reach the gRPC server


@pytest.fixture(scope="module")
def docs_client() -> Iterator[TestClient]:
    with TestClient(create_app(BridgeSettings(grpc_target=UNUSED_TARGET))) as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_doc_pages_name_only_local_assets(docs_client: TestClient, page: str) -> None:
    html = docs_client.get(page).text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html)
    found = [a or b for a, b in urls]
    assert found, html
    assert not [u for u in found if u.startswith(("http:", "https:", "//"))], found
    for url in found:
        if url.startswith(ASSETS_URL):
            answer = docs_client.get(url)
            assert answer.status_code == 200 and len(answer.content) > 10_000, url


def test_the_openapi_document_the_pages_load_is_served(docs_client: TestClient) -> None:
    assert docs_client.get("/openapi.json").json()["info"]["title"] == "Galaxy ALPR Core API"


@pytest.fixture(scope="module")
def bridge_port() -> Iterator[int]:
    settings = BridgeSettings(grpc_target=UNUSED_TARGET)
    with uvicorn_serving(create_app(settings), http=EnvelopeH11Protocol, lifespan="off",
                         h11_max_incomplete_event_size=settings.max_header_bytes) as port:
        yield port


def raw_request(port: int, headers: str, *, pieces: int = 1) -> tuple[int, dict[str, str], bytes]:
    request = f"GET /galaxy-alpr/v1/health HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        size = -(-len(request) // pieces)
        for start in range(0, len(request), size):  # in pieces, the way a slow client sends
            try:
                conn.sendall(request[start:start + size])
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed before the rest: read its answer
            time.sleep(0.05 if pieces > 1 else 0)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}, body


@pytest.mark.parametrize("pieces", [1, 8])
def test_over_large_headers_get_431_in_the_envelope(bridge_port: int, pieces: int) -> None:
    status, fields, body = raw_request(bridge_port, f"X-Padding: {'a' * 40_000}\r\n", pieces=pieces)
    assert status == 431 and fields["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["success"] is False and answer["status_code"] == 431 and answer["reason"] == "HEADERS_TOO_LARGE"
    assert "too large" in answer["error"]


def test_headers_within_the_limit_reach_the_api(bridge_port: int) -> None:
    status, _, _ = raw_request(bridge_port, f"X-Padding: {'a' * 8_000}\r\n")
    assert status != 431


def test_other_malformed_requests_keep_uvicorns_400(bridge_port: int) -> None:
    status, _, _ = raw_request(bridge_port, "Bad Header Without Colon\r\n")
    assert status == 400
