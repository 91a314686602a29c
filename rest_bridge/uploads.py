"""Reading uploaded files into the typed client's ImageItem (shape checks only)."""

from __future__ import annotations

from fastapi import UploadFile

from clients import ImageItem
from rest_bridge.errors import ApiError
from server.errors import Reason

READ_CHUNK = 1024 * 1024


async def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The file's bytes; 413 as soon as it is over max_bytes (the server checks again)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(Reason.IMAGE_TOO_LARGE, f"File {upload.filename!r} is larger than the maximum of "
                                                   f"{max_bytes / (1024 * 1024):g} MB")
        chunks.append(chunk)
    return b"".join(chunks)


async def image_item(upload: UploadFile, max_bytes: int, *, custom_timestamp: str = "",
                     batch_prefix: str = "") -> ImageItem:
    """The image to send for one upload."""
    return ImageItem(name=upload.filename or "", content=await read_upload(upload, max_bytes),
                     custom_timestamp=custom_timestamp, batch_prefix=batch_prefix)
