"""Shared test fixtures: paths to the real data sets beside the checkout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import grpc
import numpy as np
import pytest

from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from server.bootstrap import Service, build_service
from server.config import DEFAULT_CONFIG, Settings, load_settings
from server.datasets import has_labels, is_verifiable, read_labels
from server.domain import Image
from server.grpc_api.app import create_server

pytest_plugins = ["tests.video_fixtures"]  # the generated test videos (tests/video_fixtures.py)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
MODELS = REPO_ROOT / "models"


def data_set(name: str) -> Path:
    """A ../shared/data set, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not has_labels(path):
        pytest.skip(f"real data set {path} is absent (it lives beside the checkout in ../shared/data)")
    return path


def labels(name: str) -> list[dict[str, Any]]:
    """The labels.jsonl records of a data set (skips when absent)."""
    return read_labels(data_set(name))



def plate_crops(name: str, limit: int = 0) -> list[tuple[Image, str]]:
    """(crop, truth) of the verifiable plates of a crop set (the first `limit` when given); skips when absent."""
    path = data_set(name)
    out: list[tuple[Image, str]] = []
    for record in labels(name):
        plate = record["plates"][0]
        if not is_verifiable(plate):
            continue
        image = cv2.imread(str(path / record["image"]), cv2.IMREAD_COLOR)
        assert image is not None, record["image"]
        out.append((np.asarray(image, dtype=np.uint8), plate["text"]))
        if limit and len(out) >= limit:
            break
    return out


def make_settings(base_dir: Path, **env: str) -> Settings:
    """The default config with outputs under base_dir and the repository's prepared models."""
    for name in ("vehicle_detector.onnx", "plate_detector.onnx"):
        if not (MODELS / name).is_file():
            pytest.fail(f"models/{name} is missing: run `make models` (python -m server.models.prepare)")
    environ = {
        "GALAXY_ALPR__BASE_DIR": str(base_dir),
        "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(MODELS / "vehicle_detector.onnx"),
        "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(MODELS / "plate_detector.onnx"),
        "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(MODELS / "plate_recognizer.onnx"),
        "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(MODELS / "unified_detector.onnx"),
        # The served calibration: without it the tested confidences would be the readers' raw ones.
        "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": str(MODELS / "confidence_calibration.json"),
        "GALAXY_ALPR__OCR__PROVIDER": "local",
        "GALAXY_ALPR__SERVER__MAX_WORKERS": "4",
        **env,
    }
    return load_settings(DEFAULT_CONFIG, environ=environ, dotenv=base_dir / "no.env")


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real service, models loaded once for the session."""
    svc = build_service(make_settings(tmp_path_factory.mktemp("svc")))
    yield svc
    svc.close()


@contextmanager
def serving(service: Service) -> Iterator[str]:
    """A real gRPC server for the service (server.max_workers streams) on a free loopback port; yields its target."""
    server, port, _health = create_server(service.servicer, "127.0.0.1:0", video=service.video,
                                          history=service.history_servicer)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


@pytest.fixture(scope="session")
def grpc_target(service: Service) -> Iterator[str]:
    """A real gRPC server on a free loopback port."""
    with serving(service) as target:
        yield target


@pytest.fixture
def stub(grpc_target: str) -> Iterator[pb_grpc.AlprServiceStub]:
    """A stub over a real channel."""
    with grpc.insecure_channel(grpc_target) as channel:
        yield pb_grpc.AlprServiceStub(channel)
