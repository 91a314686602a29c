"""Retrieval of processed images, streamed from the gRPC image RPC."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from rest_bridge.errors import from_rpc_error
from rest_bridge.routes.deps import ClientDep

router = APIRouter(tags=["utility"])


@router.get("/images/{image_path:path}", summary="Retrieve a processed image", response_class=StreamingResponse)
async def get_image(image_path: str, client: ClientDep) -> StreamingResponse:
    """The stored file, e.g. uploaded_vehicle_images/2025-06-06_14-30-15_uploaded_image.jpg."""
    stream = client.image_chunks(image_path)
    try:
        first = await stream.__anext__()
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from exc
    except StopAsyncIteration:
        first = pb.GetImageResponse(content_type="application/octet-stream")

    async def body() -> AsyncIterator[bytes]:
        if first.chunk:
            yield first.chunk
        async for message in stream:
            yield message.chunk

    headers = {"Content-Length": str(first.total_bytes)} if first.total_bytes else {}
    return StreamingResponse(body(), media_type=first.content_type or "application/octet-stream",
                             headers=headers)
