"""One table: each bad input gives the same gRPC code and the mapped HTTP status through both transports."""

from __future__ import annotations

import cv2
import grpc
import numpy as np
import pytest
from fastapi.testclient import TestClient

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from rest_bridge.errors import http_status


def png(w: int, h: int) -> bytes:
    ok, buf = cv2.imencode(".png", np.zeros((h, w, 3), np.uint8))
    assert ok
    return bytes(buf.tobytes())


ROWS = [
    # name, content, file name, custom timestamp, gRPC code, reason, HTTP status
    ("unsupported", b"GIF89a" + b"\0" * 20, "a.gif", "", grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_FORMAT", 400),
    ("empty", b"", "a.jpg", "", grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_FILE", 400),
    ("truncated", png(300, 300)[:100], "a.png", "", grpc.StatusCode.INVALID_ARGUMENT, "CORRUPT_IMAGE", 400),
    ("too small", png(50, 50), "a.png", "", grpc.StatusCode.INVALID_ARGUMENT, "IMAGE_TOO_SMALL", 400),
    ("bad timestamp", png(300, 300), "a.png", "noon", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TIMESTAMP", 400),
]


@pytest.mark.parametrize(("name", "content", "file_name", "ts", "code", "reason", "status"), ROWS,
                         ids=[r[0] for r in ROWS])
def test_row_through_grpc_and_rest(stub: pb_grpc.AlprServiceStub, client: TestClient, name: str, content: bytes,
                                   file_name: str, ts: str, code: grpc.StatusCode, reason: str, status: int) -> None:
    request = pb.ProcessImagesRequest(image=types_pb2.ImageInput(content=content, file_name=file_name,
                                                                 custom_timestamp=ts))
    [response] = list(stub.ProcessImages(iter([request])))
    assert response.error.code == code.value[0]
    assert response.error.reason == reason
    assert http_status(response.error.code, response.error.reason) == status
    r = client.post("/galaxy-alpr/v1/alpr-core/process-single-image",
                    files={"file": (file_name, content, "application/octet-stream")},
                    data={"custom_timestamp": ts} if ts else {})
    assert r.status_code == status
    body = r.json()
    assert body["reason"] == reason and body["success"] is False


@pytest.mark.parametrize(("code", "status"), [
    (grpc.StatusCode.INVALID_ARGUMENT, 400), (grpc.StatusCode.NOT_FOUND, 404),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, 413), (grpc.StatusCode.UNAVAILABLE, 503),
    (grpc.StatusCode.DEADLINE_EXCEEDED, 504), (grpc.StatusCode.INTERNAL, 500), (grpc.StatusCode.UNKNOWN, 500),
])
def test_table_rows(code: grpc.StatusCode, status: int) -> None:
    assert http_status(code) == status
    assert http_status(code.value[0]) == status
    assert http_status(grpc.StatusCode.RESOURCE_EXHAUSTED, "OCR_RATE_LIMITED") == 429
