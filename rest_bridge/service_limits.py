"""What the bridge learns from the gRPC server: upload, batch and video limits, timezone, version.

The bridge holds no copy of the server's configuration: it asks GetPipelineInfo at start-up and,
while the server has not answered yet, again on each request that needs a limit; until then such a
request is answered 503 BACKEND_UNAVAILABLE, and envelopes carry UTC timestamps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import grpc

from clients import AsyncAlprClient
from galaxy.alpr.v1 import alpr_service_pb2 as pb
from rest_bridge.errors import ApiError
from server.errors import Reason

log = logging.getLogger(__name__)
UNKNOWN_TZ = ZoneInfo("UTC")


@dataclass(frozen=True)
class ServiceLimits:
    """The server's limits and timezone, as the bridge applies them before and around its calls."""

    max_upload_bytes: int
    max_batch_files: int
    max_video_bytes: int
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
                   max_video_bytes=info.max_video_bytes, timezone=info.timezone, version=info.version)


class LearnedLimits:
    """The server's limits once it has told them (`known`), asked again while it has not."""

    def __init__(self, client: AsyncAlprClient) -> None:
        self._client = client
        self.known: ServiceLimits | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The server's timezone, UTC until it is known (error envelopes need one before)."""
        return self.known.tz if self.known is not None else UNKNOWN_TZ

    async def learn(self) -> ServiceLimits | None:
        """Ask the server (once it has answered, never again); None while it cannot answer."""
        if self.known is None:
            try:
                self.known = ServiceLimits.from_pipeline_info(await self._client.pipeline_info())
            except grpc.aio.AioRpcError as exc:
                log.warning("gRPC server not reachable (%s): its limits are not known yet", exc.code().name)
                return None
            k = self.known
            log.info("server limits: uploads %d bytes, %d files per batch, videos %d bytes, timezone %s",
                     k.max_upload_bytes, k.max_batch_files, k.max_video_bytes, k.timezone)
        return self.known

    async def get(self) -> ServiceLimits:
        """The limits; ApiError BACKEND_UNAVAILABLE (503) while the server cannot be asked."""
        limits = await self.learn()
        if limits is None:
            raise ApiError(Reason.BACKEND_UNAVAILABLE, "ALPR backend unavailable")
        return limits
