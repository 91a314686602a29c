"""Video endpoints: a whole uploaded video tracked, one entry per vehicle."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from galaxy.alpr.v1 import video_service_pb2 as vpb
from rest_bridge import video_convert
from rest_bridge.errors import ApiError
from rest_bridge.responses import success
from rest_bridge.routes.deps import LimitsDep, VideoDep
from rest_bridge.uploads import READ_CHUNK
from server.errors import Reason

router = APIRouter(prefix="/video", tags=["video"])


async def _chunks(upload: UploadFile, max_bytes: int) -> AsyncIterator[bytes]:
    """The upload in chunks; 413 past max_bytes (the server checks its own limit again)."""
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(Reason.VIDEO_TOO_LARGE, f"Video {upload.filename!r} is larger than the maximum of "
                                                   f"{max_bytes / (1024 * 1024):g} MB")
        yield chunk


@router.post("/process-video", summary="Track the vehicles of a video; one read per vehicle")
async def process_video(
    video: VideoDep,
    limits: LimitsDep,
    file: Annotated[UploadFile, File(description="Video file (MP4, AVI, MKV, MOV, WebM; judged by content)")],
    sample_fps: Annotated[float | None, Form(ge=0, description="Frames analysed per second (0: all)")] = None,
    camera_id: Annotated[str, Form(max_length=64, description="Reported as the events' source")] = "",
) -> dict[str, Any]:
    """Every vehicle of the video with its voted plate; vehicles never read have plate_number ""."""
    started = time.perf_counter()
    await file.seek(0)
    summary: vpb.VideoSummary | None = None
    async for response in video.process_video(_chunks(file, limits.max_video_bytes),
                                              file_name=file.filename or "", sample_fps=sample_fps,
                                              camera_id=camera_id):
        if response.HasField("summary"):
            summary = response.summary
    if summary is None:
        raise ApiError(Reason.INTERNAL, "The video service ended without a summary")
    return success("Video processing completed successfully", video_convert.video_data(summary), started, limits.tz)
