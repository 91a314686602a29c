"""Reading uploaded files into gRPC ImageInput messages (shape checks only)."""

from __future__ import annotations

from fastapi import UploadFile

from galaxy.alpr.v1 import types_pb2
from rest_bridge.errors import ApiError

READ_CHUNK = 1024 * 1024


async def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The file's bytes; 413 as soon as it is over max_bytes (the server checks again)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(413, f"File {upload.filename!r} is larger than the maximum of "
                                f"{max_bytes // (1024 * 1024)} MB", reason="IMAGE_TOO_LARGE")
        chunks.append(chunk)
    return b"".join(chunks)


async def image_input(upload: UploadFile, max_bytes: int, *, custom_timestamp: str = "",
                      batch_prefix: str = "") -> types_pb2.ImageInput:
    """Build the gRPC image message for one upload."""
    return types_pb2.ImageInput(
        content=await read_upload(upload, max_bytes),
        file_name=upload.filename or "",
        custom_timestamp=custom_timestamp,
        batch_prefix=batch_prefix,
    )
