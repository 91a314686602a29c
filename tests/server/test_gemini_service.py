"""The whole service with Gemini configured, against the fake Gemini HTTP API (real google-genai client)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server.bootstrap import Service, build_service
from server.grpc_api.app import create_server
from tests.conftest import data_set, labels, make_settings
from tests.fakes.gemini_server import DEFAULT_KEY, FakeGeminiServer


def crop_bytes() -> bytes:
    record = labels("indonesia-ilpr-platecrops")[0]
    return (data_set("indonesia-ilpr-platecrops") / str(record["image"])).read_bytes()


@pytest.fixture
def fake() -> Iterator[FakeGeminiServer]:
    with FakeGeminiServer() as server:
        yield server


def gemini_service(tmp_path: Path, fake: FakeGeminiServer, model: str) -> Service:
    settings = make_settings(tmp_path, GALAXY_ALPR__OCR__PROVIDER="auto", GALAXY_ALPR__OCR__MODEL_NAME=model,
                             GALAXY_ALPR__OCR__GEMINI_BASE_URL=fake.base_url, GEMINI_API_KEY=DEFAULT_KEY,
                             GALAXY_ALPR__OCR__TIMEOUT_S="3")
    return build_service(settings)


def wait_for_probe(service: Service) -> None:
    """The start-up probe runs in the background; wait until it has given its verdict."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and service.system.gemini_status().status == "configured":
        time.sleep(0.05)


def recognize(service: Service, content: bytes) -> pb.RecognizePlatesResponse:
    """One crop through RecognizePlates over a real channel to this service."""
    server, port, _ = create_server(service.servicer, "127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            request = pb.RecognizePlatesRequest(
                request_id="1", image=types_pb2.ImageInput(content=content, file_name="p.jpg"))
            [response] = list(pb_grpc.AlprServiceStub(channel).RecognizePlates(iter([request])))
            return response
    finally:
        server.stop(None)


def test_reads_come_from_gemini_with_indonesian_rules(tmp_path: Path, fake: FakeGeminiServer) -> None:
    service = gemini_service(tmp_path, fake, "gemini-3.1-flash-lite")
    try:
        response = recognize(service, crop_bytes())
        assert not response.HasField("error"), response.error.message
        [reading] = response.readings
        assert reading.ocr_provider == "gemini"
        assert reading.plate_number == "B 1234 CD"
        assert reading.plate_region_name == "Jakarta/Metro Jaya"
        assert reading.plate_date == "08/29"
        calls = fake.calls()
        assert calls and calls[-1].model == "gemini-3.1-flash-lite" and calls[-1].api_key == DEFAULT_KEY
        health = service.system.health()
        assert health.healthy and health.models_loaded["gemini_ocr"]
    finally:
        service.close()


def test_retired_model_is_reported_and_reads_fall_back_to_local(tmp_path: Path, fake: FakeGeminiServer) -> None:
    service = gemini_service(tmp_path, fake, "gemini-2.0-flash-lite-001")
    try:
        wait_for_probe(service)
        status = service.system.gemini_status()
        assert not status.available and status.status == "unavailable"
        assert "gemini-2.0-flash-lite-001" in status.error
        health = service.system.health()
        assert health.healthy, "local OCR still reads every plate"
        assert not health.models_loaded["gemini_ocr"]
        assert any("gemini" in issue for issue in health.issues)
        response = recognize(service, crop_bytes())
        assert not response.HasField("error"), response.error.message
        assert response.readings[0].ocr_provider in {"recognizer", "local"}  # the offline readers
        assert response.readings[0].plate_number
    finally:
        service.close()


def test_gemini_reads_when_no_local_reader_loads(tmp_path: Path, fake: FakeGeminiServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_ppocr(*_args: object, **_kwargs: object) -> None:
        raise FileNotFoundError("PP-OCR model files are missing")

    monkeypatch.setattr("server.bootstrap.LocalOcrProvider", broken_ppocr)
    settings = make_settings(tmp_path, GALAXY_ALPR__OCR__PROVIDER="auto",
                             GALAXY_ALPR__OCR__MODEL_NAME="gemini-3.1-flash-lite",
                             GALAXY_ALPR__OCR__GEMINI_BASE_URL=fake.base_url, GEMINI_API_KEY=DEFAULT_KEY,
                             GALAXY_ALPR__MODELS__PLATE_RECOGNIZER=str(tmp_path / "missing.onnx"))
    service = build_service(settings)
    try:
        assert not service.system.local_ocr_status().available
        response = recognize(service, crop_bytes())
        assert not response.HasField("error"), response.error.message
        assert response.readings[0].ocr_provider == "gemini"
        assert response.readings[0].plate_number == "B 1234 CD"
        assert service.system.health().healthy, "Gemini alone can read every plate"
    finally:
        service.close()
