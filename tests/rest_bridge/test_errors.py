"""One table: every row of the gRPC->HTTP table, sent through both transports (a real gRPC server and the bridge).

A dedicated service makes every row reachable with real inputs: a small upload limit, Gemini as the
only reader (the fake Gemini HTTP API answers 429, 500 or too late), and an annotated-image
directory that cannot be written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import grpc
import numpy as np
import pytest
from fastapi.testclient import TestClient
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from rest_bridge.errors import GRPC_TO_HTTP, REASON_TO_HTTP, http_status, reason_status
from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from server.bootstrap import Service, build_service
from server.errors import Reason
from tests.conftest import data_set, labels, make_settings, serving
from tests.fakes.gemini_server import DEFAULT_KEY, FakeGeminiServer, FakeReply, error_reply, plate_reply

API = "/galaxy-alpr/v1"
UPLOAD_LIMIT = 200_000
TIMEZONE = "Asia/Jakarta"


def png(w: int, h: int, *, noise: bool = False) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (h, w, 3), np.uint8) if noise else np.zeros((h, w, 3), np.uint8)
    ok, buf = cv2.imencode(".png", pixels)
    assert ok
    return bytes(buf.tobytes())


def crop() -> bytes:
    record = labels("indonesia-ilpr-platecrops")[0]
    return (data_set("indonesia-ilpr-platecrops") / str(record["image"])).read_bytes()


@dataclass(frozen=True)
class Row:
    """One bad input: what to send, to which stage, and the answer both transports must give."""

    name: str
    stage: str  # "process", "vehicles", "recognize" or "image"
    content: Callable[[], bytes]
    code: grpc.StatusCode
    reason: str
    status: int
    file_name: str = "a.png"
    custom_timestamp: str = ""
    gemini: FakeReply | None = None


ROWS = [
    Row("unsupported", "process", lambda: b"GIF89a" + b"\0" * 20, grpc.StatusCode.INVALID_ARGUMENT,
        Reason.UNSUPPORTED_FORMAT, 400, file_name="a.gif"),
    Row("empty", "process", lambda: b"", grpc.StatusCode.INVALID_ARGUMENT, Reason.EMPTY_FILE, 400,
        file_name="a.jpg"),
    Row("truncated", "process", lambda: png(300, 300)[:100], grpc.StatusCode.INVALID_ARGUMENT,
        Reason.CORRUPT_IMAGE, 400),
    Row("too small", "process", lambda: png(50, 50), grpc.StatusCode.INVALID_ARGUMENT, Reason.IMAGE_TOO_SMALL, 400),
    Row("bad timestamp", "process", lambda: png(300, 300), grpc.StatusCode.INVALID_ARGUMENT,
        Reason.INVALID_TIMESTAMP, 400, custom_timestamp="noon"),
    Row("missing stored image", "image", lambda: b"", grpc.StatusCode.NOT_FOUND, Reason.NOT_FOUND, 404,
        file_name="uploaded_vehicle_images/nope.jpg"),
    Row("over the upload limit", "process", lambda: png(300, 300, noise=True), grpc.StatusCode.RESOURCE_EXHAUSTED,
        Reason.IMAGE_TOO_LARGE, 413),
    Row("reader rate limited", "recognize", crop, grpc.StatusCode.RESOURCE_EXHAUSTED, Reason.OCR_RATE_LIMITED, 429,
        file_name="p.jpg", gemini=error_reply(429, "RESOURCE_EXHAUSTED", "quota")),
    Row("reader fails", "recognize", crop, grpc.StatusCode.UNAVAILABLE, Reason.OCR_FAILED, 503,
        file_name="p.jpg", gemini=error_reply(500, "INTERNAL", "boom")),
    Row("reader too slow", "recognize", crop, grpc.StatusCode.DEADLINE_EXCEEDED, Reason.OCR_TIMEOUT, 504,
        file_name="p.jpg", gemini=plate_reply(delay_s=3.0)),
]
# Reachable only with their own set-up, each covered by its own test: UNAUTHENTICATED (API keys,
# tests/rest_bridge/test_access.py), INTERNAL (no input reaches it: an unwritable artefact directory
# answers the read with a storage warning, test below), OVERLOADED and RATE_LIMITED (load tests).
ELSEWHERE_CODES = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INTERNAL}
ELSEWHERE_REASONS = {Reason.OVERLOADED, Reason.RATE_LIMITED}

_STREAMS: dict[str, tuple[str, Any]] = {
    "process": ("ProcessImages", pb.ProcessImagesRequest),
    "vehicles": ("DetectVehicles", pb.DetectVehiclesRequest),
    "recognize": ("RecognizePlates", pb.RecognizePlatesRequest),
}
_ROUTES = {"process": "alpr-core/process-single-image", "vehicles": "vehicle/detect-vehicle",
           "recognize": "plate/recognize-plate"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGeminiServer]:
    with FakeGeminiServer() as server:
        yield server


@pytest.fixture(scope="module")
def strict_service(tmp_path_factory: pytest.TempPathFactory, fake: FakeGeminiServer) -> Iterator[Service]:
    settings = make_settings(
        tmp_path_factory.mktemp("errors"), GALAXY_ALPR__OCR__PROVIDER="gemini", GEMINI_API_KEY=DEFAULT_KEY,
        GALAXY_ALPR__OCR__GEMINI_BASE_URL=fake.base_url, GALAXY_ALPR__OCR__TIMEOUT_S="1",
        GALAXY_ALPR__OCR__MAX_RETRIES="0", GALAXY_ALPR__LIMITS__MAX_IMAGE_BYTES=str(UPLOAD_LIMIT),
        GALAXY_ALPR__OCR__CIRCUIT_FAILURES="1000",  # every row meets Gemini itself, never the open circuit
        GALAXY_ALPR__TIMEZONE=TIMEZONE)
    service = build_service(settings)
    # Vehicle detection saves its annotated image here: a file where the directory should be.
    detected: Path = service.pipeline.store.dirs.detected_vehicle
    detected.rmdir()
    detected.write_text("not a directory")
    yield service
    service.close()


@pytest.fixture(scope="module")
def strict_target(strict_service: Service) -> Iterator[str]:
    with serving(strict_service) as target:
        yield target


@pytest.fixture(scope="module")
def strict_stub(strict_target: str) -> Iterator[pb_grpc.AlprServiceStub]:
    with grpc.insecure_channel(strict_target) as channel:
        yield pb_grpc.AlprServiceStub(channel)


@pytest.fixture(scope="module")
def strict_client(strict_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(BridgeSettings(grpc_target=strict_target))) as client:
        yield client


def _grpc_answer(stub: pb_grpc.AlprServiceStub, row: Row) -> tuple[int, str]:
    if row.stage == "image":
        try:
            list(stub.GetImage(pb.GetImageRequest(image_path=row.file_name)))
        except grpc.RpcError as exc:
            assert isinstance(exc, grpc.Call)
            status = rpc_status.from_call(exc)
            assert status is not None
            info = error_details_pb2.ErrorInfo()
            assert status.details[0].Unpack(info)
            return exc.code().value[0], info.reason
        raise AssertionError("GetImage of a missing file succeeded")
    method, request_type = _STREAMS[row.stage]
    image = types_pb2.ImageInput(content=row.content(), file_name=row.file_name, custom_timestamp=row.custom_timestamp)
    [response] = list(getattr(stub, method)(iter([request_type(request_id="1", image=image)])))
    assert response.HasField("error"), f"{row.name}: no error"
    return response.error.code, response.error.reason


def _rest_answer(client: TestClient, row: Row) -> tuple[int, dict[str, Any]]:
    if row.stage == "image":
        r = client.get(f"{API}/images/{row.file_name}")
    else:
        r = client.post(f"{API}/{_ROUTES[row.stage]}", files={"file": (row.file_name, row.content(), "image/png")},
                        data={"custom_timestamp": row.custom_timestamp} if row.custom_timestamp else {})
    return r.status_code, r.json()


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_through_grpc_and_rest(strict_stub: pb_grpc.AlprServiceStub, strict_client: TestClient,
                                   fake: FakeGeminiServer, row: Row) -> None:
    reply = row.gemini
    fake.responder = (lambda _request: reply) if reply is not None else None
    try:
        code, reason = _grpc_answer(strict_stub, row)
        assert (code, reason) == (row.code.value[0], row.reason)
        assert http_status(code, reason) == row.status
        status, body = _rest_answer(strict_client, row)
    finally:
        fake.responder = None
    assert status == row.status, body
    assert body["success"] is False and body["error_type"] == "HTTPException"
    assert body["reason"] == row.reason and body["status_code"] == row.status
    assert body["timestamp"].endswith("+07:00"), "the bridge's timestamps are in the server's timezone"


def test_rows_cover_the_whole_table() -> None:
    assert {r.code for r in ROWS} == set(GRPC_TO_HTTP) - ELSEWHERE_CODES
    elsewhere = {GRPC_TO_HTTP[c] for c in ELSEWHERE_CODES} | {REASON_TO_HTTP[r] for r in ELSEWHERE_REASONS}
    assert {r.status for r in ROWS} | elsewhere >= set(GRPC_TO_HTTP.values()) | set(REASON_TO_HTTP.values())
    assert set(REASON_TO_HTTP) - ELSEWHERE_REASONS <= {r.reason for r in ROWS}


def test_unwritable_artefacts_answer_the_read_with_a_storage_warning(strict_client: TestClient) -> None:
    r = strict_client.post(f"{API}/vehicle/detect-vehicle", files={"file": ("a.png", png(400, 300), "image/png")})
    assert r.status_code == 200, r.json()
    data = r.json()["data"]
    assert "not saved" in data["storage_warning"] and data["detected_vehicle_image_path"] == ""


def test_bridge_learned_the_servers_limits(strict_client: TestClient) -> None:
    limits = strict_client.app.state.limits.known  # type: ignore[attr-defined]
    assert (limits.max_upload_bytes, limits.timezone) == (UPLOAD_LIMIT, TIMEZONE)
    info = strict_client.get(f"{API}/pipeline/info").json()["pipeline_info"]
    assert info["max_image_size_bytes"] == UPLOAD_LIMIT
    # Over ten uploads' worth of the learned limit (the default limit would allow 200 MB): refused unread.
    big = b"\xff\xd8\xff" + b"\0" * (UPLOAD_LIMIT * 10 + 2 * 1024 * 1024)
    r = strict_client.post(f"{API}/alpr-core/process-single-image", files={"file": ("big.jpg", big, "image/jpeg")})
    assert r.status_code == 413 and r.json()["reason"] == Reason.REQUEST_TOO_LARGE


@pytest.mark.parametrize(("reason", "status"), [
    (Reason.NO_FILES, 400), (Reason.TOO_MANY_FILES, 400), (Reason.INVALID_REQUEST, 400),
    (Reason.IMAGE_TOO_LARGE, 413), (Reason.REQUEST_TOO_LARGE, 413), (Reason.BACKEND_UNAVAILABLE, 503),
    (Reason.OCR_RATE_LIMITED, 429), (Reason.INTERNAL, 500), (Reason.OVERLOADED, 429), (Reason.RATE_LIMITED, 429),
    (Reason.UNAUTHENTICATED, 401), (Reason.IMAGE_TOO_MANY_PIXELS, 413), (Reason.SHUTTING_DOWN, 503),
])
def test_bridge_reasons_go_through_the_table(reason: str, status: int) -> None:
    assert reason_status(reason) == status


def test_table_by_number_and_name() -> None:
    for code, status in GRPC_TO_HTTP.items():
        assert http_status(code) == http_status(code.value[0]) == http_status(code.name) == status
    assert http_status(grpc.StatusCode.UNIMPLEMENTED) == 500


def test_every_reason_has_a_row() -> None:
    from server.errors import REASON_CODES

    assert {grpc.StatusCode[c] for c in REASON_CODES.values()} <= set(GRPC_TO_HTTP)
