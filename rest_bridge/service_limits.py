"""What the bridge learns from the gRPC server at start-up: upload and batch limits, timezone, version."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import grpc

from clients import AsyncAlprClient
from galaxy.alpr.v1 import alpr_service_pb2 as pb
from server import __version__
from server.config import Settings, load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceLimits:
    """The server's limits and timezone, as the bridge applies them before and around its calls."""

    max_upload_bytes: int
    max_batch_files: int
    timezone: str
    version: str

    @property
    def tz(self) -> ZoneInfo:
        """The timezone of the bridge's own timestamps (the server's)."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_pipeline_info(cls, info: pb.GetPipelineInfoResponse) -> ServiceLimits:
        """What the server says in GetPipelineInfo."""
        return cls(max_upload_bytes=info.max_image_bytes, max_batch_files=info.max_batch_images,
                   timezone=info.timezone, version=info.version)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceLimits:
        """The same typed settings the server is built from (config.yaml + environment)."""
        return cls(max_upload_bytes=settings.limits.max_image_bytes,
                   max_batch_files=settings.limits.max_batch_images,
                   timezone=settings.timezone, version=__version__)


def configured_limits() -> ServiceLimits:
    """The limits of this machine's configuration (used while the server cannot be asked)."""
    return ServiceLimits.from_settings(load_settings())


async def learn_limits(client: AsyncAlprClient,
                       fallback: Callable[[], ServiceLimits] = configured_limits) -> ServiceLimits:
    """Ask the server; when it cannot answer, take the same typed settings it would be built from."""
    try:
        limits = ServiceLimits.from_pipeline_info(await client.pipeline_info())
    except grpc.aio.AioRpcError as exc:
        log.warning("gRPC server not reachable at start-up (%s); limits from the configuration", exc.code().name)
        return fallback()
    log.info("server limits: uploads %d bytes, %d files per batch, timezone %s",
             limits.max_upload_bytes, limits.max_batch_files, limits.timezone)
    return limits
