"""Uploads bounded while streaming (chunked too), read timeouts, per-item errors inside batches."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from dataclasses import replace

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from tests.conftest import data_set, labels
from tests.support.uvicorn_server import uvicorn_serving

API = "/galaxy-alpr/v1"
SMALL_LIMIT = 100_000  # per file; the body limit is 10 files of it plus 1 MiB of multipart overhead


@pytest.fixture(scope="module")
def small_client(grpc_target: str) -> Iterator[TestClient]:
    """A bridge over the real server whose learned upload limit is made small (the server keeps 20 MB)."""
    app = create_app(BridgeSettings(grpc_target=grpc_target))
    with TestClient(app) as client:
        app.state.limits.known = replace(app.state.limits.known, max_upload_bytes=SMALL_LIMIT)
        yield client


def photo() -> bytes:
    record = labels("openalpr-us")[0]
    data = (data_set("openalpr-us") / record["image"]).read_bytes()
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    ok, buf = cv2.imencode(".jpg", cv2.resize(image, (640, 480)), [int(cv2.IMWRITE_JPEG_QUALITY), 80])
    assert ok and len(buf) < SMALL_LIMIT
    return bytes(buf.tobytes())


@pytest.fixture(scope="module")
def served_bridge(grpc_target: str) -> Iterator[tuple[str, int]]:
    """The bridge under real uvicorn on a free port (the in-process TestClient buffers whole bodies)."""
    app = create_app(BridgeSettings(grpc_target=grpc_target, body_timeout_s=1.0))
    with uvicorn_serving(app) as port:
        app.state.limits.known = replace(app.state.limits.known, max_upload_bytes=SMALL_LIMIT)
        yield "127.0.0.1", port


def read_answer(sock: socket.socket) -> bytes:
    """An HTTP answer up to the end of its JSON body."""
    sock.settimeout(10)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    return answer


def test_a_chunked_body_without_content_length_is_cut_off_at_the_limit(served_bridge: tuple[str, int]) -> None:
    """Over a real socket: chunks of 1 MiB, no Content-Length; the 413 arrives long before 200 MiB."""
    host, port = served_bridge
    head = (f"POST {API}/alpr-core/process-single-image HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    part = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n"
    chunk = b"\xff" * (1 << 20)
    sent_mib = 0
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(head + f"{len(part):x}\r\n".encode() + part + b"\r\n")
        answer = b""
        for _ in range(200):
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent_mib += 1
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"REQUEST_TOO_LARGE"' in answer
    assert sent_mib < 50, f"{sent_mib} MiB were sent before the refusal"


def test_a_stalled_body_is_a_408(served_bridge: tuple[str, int]) -> None:
    """Half a body, then silence: answered 408 after body_timeout_s instead of holding the connection."""
    host, port = served_bridge
    part = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8"
    head = (f"POST {API}/alpr-core/process-single-image HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(part) + 1000}\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(head + part)
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"REQUEST_TIMEOUT"' in answer


def test_one_oversized_file_in_a_batch_is_its_own_413(small_client: TestClient) -> None:
    good = photo()
    files = [("files", ("good-1.jpg", good, "image/jpeg")),
             ("files", ("big.jpg", b"\xff\xd8\xff" + b"\0" * (SMALL_LIMIT + 10), "image/jpeg")),
             ("files", ("empty.jpg", b"", "image/jpeg")),
             ("files", ("good-2.jpg", good, "image/jpeg"))]
    r = small_client.post(f"{API}/alpr-core/process-multiple-images", files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    results = {e["original_filename"]: e for e in body["data"]["results"]}
    assert [e["batch_index"] for e in body["data"]["results"]] == [1, 2, 3, 4]
    assert results["good-1.jpg"]["success"] and results["good-2.jpg"]["success"]
    assert (results["big.jpg"]["status_code"], results["big.jpg"]["reason"]) == (413, "IMAGE_TOO_LARGE")
    assert (results["empty.jpg"]["status_code"], results["empty.jpg"]["reason"]) == (400, "EMPTY_FILE")
    assert body["data"]["failed_images"] == 2 and body["data"]["successful_images"] == 2


def test_a_batch_in_which_every_file_fails_is_not_a_success(small_client: TestClient) -> None:
    files = [("files", ("a.gif", b"GIF89a" + b"\0" * 40, "image/gif")), ("files", ("b.txt", b"hello", "text/plain"))]
    r = small_client.post(f"{API}/alpr-core/process-multiple-images", files=files)
    body = r.json()
    assert r.status_code == 400 and body["success"] is False and body["reason"] == "BATCH_FAILED"
    assert body["error_type"] == "HTTPException" and "All 2 images failed" in body["error"]
    assert [e["reason"] for e in body["data"]["results"]] == ["UNSUPPORTED_FORMAT", "UNSUPPORTED_FORMAT"]
