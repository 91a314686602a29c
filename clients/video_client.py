"""Typed asyncio client of the VideoService (the REST bridge uses it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from clients.channel import call_metadata, new_request_id, open_aio_channel
from galaxy.alpr.v1 import video_service_pb2 as vpb
from galaxy.alpr.v1 import video_service_pb2_grpc as vpb_grpc


class AsyncVideoClient:
    """ProcessVideo from chunks, SubscribeEvents and ListCameras over one asyncio channel."""

    def __init__(self, target: str = "127.0.0.1:50051", *, video_deadline_s: float | None = None,
                 unary_deadline_s: float | None = None, api_key: str = "",
                 credentials: grpc.ChannelCredentials | None = None) -> None:
        self._api_key = api_key
        self._channel = open_aio_channel(target, credentials)
        self._stub = vpb_grpc.VideoServiceStub(self._channel)
        self._video_deadline_s = video_deadline_s
        self._unary_deadline_s = unary_deadline_s

    async def close(self) -> None:
        """Close the channel."""
        await self._channel.close()

    async def process_video(self, chunks: AsyncIterator[bytes], *, file_name: str = "",
                            sample_fps: float | None = None, camera_id: str = "",
                            ) -> AsyncIterator[vpb.ProcessVideoResponse]:
        """Stream a video's bytes (options in the first message); yield events, progress and the summary."""
        first = vpb.ProcessVideoRequest(file_name=file_name, camera_id=camera_id)
        if sample_fps is not None:
            first.sample_fps = sample_fps

        async def requests() -> AsyncIterator[vpb.ProcessVideoRequest]:
            sent = False
            async for chunk in chunks:
                if not sent:
                    first.chunk = chunk
                    sent = True
                    yield first
                else:
                    yield vpb.ProcessVideoRequest(chunk=chunk)
            if not sent:
                yield first  # nothing to send: the server answers EMPTY_FILE

        call: Any = self._stub.ProcessVideo(requests(), timeout=self._video_deadline_s,
                                            metadata=call_metadata(self._api_key, new_request_id()))
        async for response in call:
            yield response

    async def subscribe_events(self, camera_ids: list[str]) -> Any:
        """An open SubscribeEvents call, accepted by the server (its refusal raises AioRpcError here)."""
        call: Any = self._stub.SubscribeEvents(vpb.SubscribeEventsRequest(camera_ids=camera_ids),
                                               metadata=call_metadata(self._api_key, new_request_id()))
        await call.initial_metadata()
        if call.done():  # refused at once (trailers only): reading raises the call's error
            await call.read()
        return call

    async def list_cameras(self) -> vpb.ListCamerasResponse:
        """The configured cameras and their state."""
        response: vpb.ListCamerasResponse = await self._stub.ListCameras(
            vpb.ListCamerasRequest(), timeout=self._unary_deadline_s,
            metadata=call_metadata(self._api_key, new_request_id()))
        return response
