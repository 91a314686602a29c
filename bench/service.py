"""The real service built in-process (as tests/conftest.py does) and served on a loopback port."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

from bench.config import PLATE_MODEL, RECOGNIZER_MODEL, SERVED_VEHICLE_MODEL, UNIFIED_MODEL
from server.bootstrap import Service, build_service
from server.config import DEFAULT_CONFIG, Settings, load_settings
from server.grpc_api.app import create_server


def service_env(base_dir: Path, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """GALAXY_ALPR__* overrides: repository models, local OCR, outputs under base_dir."""
    return {
        "GALAXY_ALPR__BASE_DIR": str(base_dir),
        "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(SERVED_VEHICLE_MODEL),
        "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(PLATE_MODEL),
        "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(RECOGNIZER_MODEL),
        "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(UNIFIED_MODEL),
        "GALAXY_ALPR__OCR__PROVIDER": "local",
        **(overrides or {}),
    }


def bench_settings(base_dir: Path, overrides: Mapping[str, str] | None = None) -> Settings:
    """The default config.yaml with the bench's overrides; the process environment is not read."""
    for model in (SERVED_VEHICLE_MODEL, PLATE_MODEL):
        if not model.is_file():
            raise FileNotFoundError(f"{model} is missing: run `make models`")
    return load_settings(DEFAULT_CONFIG, environ=service_env(base_dir, overrides), dotenv=base_dir / "no.env")


@contextmanager
def in_process_service(base_dir: Path, overrides: Mapping[str, str] | None = None) -> Iterator[Service]:
    """Every model loaded once; worker threads released on exit."""
    base_dir.mkdir(parents=True, exist_ok=True)
    service = build_service(bench_settings(base_dir, overrides))
    try:
        yield service
    finally:
        service.close()


@dataclass(frozen=True)
class GrpcEndpoint:
    """A started server's loopback target."""

    target: str
    max_workers: int


@contextmanager
def grpc_server(service: Service) -> Iterator[GrpcEndpoint]:
    """create_server on 127.0.0.1:0 (server.max_workers streams), started; stopped on exit."""
    workers = service.settings.server.max_workers
    server, port, _health = create_server(service.servicer, "127.0.0.1:0")
    server.start()
    try:
        yield GrpcEndpoint(f"127.0.0.1:{port}", workers)
    finally:
        server.stop(grace=None)


def free_port() -> int:
    """A port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_channel_ready(target: str, timeout_s: float) -> None:
    """Block until a channel to target connects (or raise grpc.FutureTimeoutError)."""
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=timeout_s)
