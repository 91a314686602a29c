"""Calling a streaming stage for one upload or a batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import UploadFile

from galaxy.alpr.v1 import types_pb2
from rest_bridge.backend import call_stream, new_request_id
from rest_bridge.responses import raise_item_error
from rest_bridge.settings import BridgeSettings
from rest_bridge.uploads import image_input


async def single(method: Callable[..., Any], request_type: Callable[..., Any], upload: UploadFile,
                 settings: BridgeSettings, *, custom_timestamp: str = "") -> Any:
    """One image through one stage; a per-image error becomes the HTTP error."""
    image = await image_input(upload, settings.max_upload_bytes, custom_timestamp=custom_timestamp)
    request_id = new_request_id()
    answers = await call_stream(
        method, lambda rid, img: request_type(request_id=rid, image=img), [image],
        request_id=request_id, timeout=settings.deadline_s,
    )
    response = answers[f"{request_id}-0"]
    if response.HasField("error"):
        raise_item_error(response.error)
    return response


async def batch(method: Callable[..., Any], request_type: Callable[..., Any],
                images: Sequence[types_pb2.ImageInput], settings: BridgeSettings) -> list[Any]:
    """Many images on one stream; responses in upload order (each may carry its own error)."""
    request_id = new_request_id()
    answers = await call_stream(
        method, lambda rid, img: request_type(request_id=rid, image=img), images,
        request_id=request_id,
        timeout=settings.deadline_s + settings.per_image_deadline_s * len(images),
    )
    return [answers[f"{request_id}-{i}"] for i in range(len(images))]
