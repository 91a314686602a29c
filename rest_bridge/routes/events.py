"""Server-Sent Events: the configured cameras' track events as they happen."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

import grpc
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from galaxy.alpr.v1 import video_service_pb2 as vpb
from rest_bridge import video_convert
from rest_bridge.errors import from_rpc_error
from rest_bridge.routes.deps import VideoDep

router = APIRouter(prefix="/events", tags=["video"])
KEEPALIVE_S = 15.0


async def _sse(call: grpc.aio.UnaryStreamCall[vpb.SubscribeEventsRequest, vpb.SubscribeEventsResponse],
               ) -> AsyncIterator[bytes]:
    """`event: NEW|UPDATE|FINAL` + JSON data per event; a comment every KEEPALIVE_S while quiet."""
    try:
        reading = asyncio.ensure_future(call.read())
        while True:
            done, _ = await asyncio.wait({reading}, timeout=KEEPALIVE_S)
            if not done:
                yield b": keep-alive\n\n"
                continue
            response = reading.result()
            if response is grpc.aio.EOF or not isinstance(response, vpb.SubscribeEventsResponse):
                return
            body = video_convert.event(response.event)
            yield f"event: {body['event']}\ndata: {json.dumps(body, ensure_ascii=False)}\n\n".encode()
            reading = asyncio.ensure_future(call.read())
    except grpc.aio.AioRpcError as exc:
        api = from_rpc_error(exc)
        yield f"event: error\ndata: {json.dumps({'error': api.message, 'reason': api.reason})}\n\n".encode()
    finally:
        call.cancel()


@router.get("/stream", summary="Server-Sent Events of the configured cameras (NEW, UPDATE, FINAL)")
async def stream(
    video: VideoDep,
    camera_id: Annotated[list[str] | None, Query(description="Cameras to follow (repeatable); all if absent")] = None,
) -> StreamingResponse:
    """An endless text/event-stream; an unknown camera id is a 400 before the stream starts."""
    try:
        call = await video.subscribe_events(camera_id or [])
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from exc
    return StreamingResponse(_sse(call), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
