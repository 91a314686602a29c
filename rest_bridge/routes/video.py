"""Video endpoints: a whole uploaded video tracked, one entry per vehicle."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from galaxy.alpr.v1 import video_service_pb2 as vpb
from rest_bridge import video_convert
from rest_bridge.backend import new_request_id
from rest_bridge.errors import ApiError
from rest_bridge.responses import success
from rest_bridge.routes.deps import BackendDep, SettingsDep
from rest_bridge.uploads import READ_CHUNK

router = APIRouter(prefix="/video", tags=["video"])


async def _chunks(upload: UploadFile, max_bytes: int, first: vpb.ProcessVideoRequest) -> AsyncIterator[
        vpb.ProcessVideoRequest]:
    """The upload as ProcessVideo messages (options in the first); 413 past max_bytes."""
    size = 0
    sent = False
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(413, f"Video {upload.filename!r} is larger than the maximum of "
                                f"{max_bytes // (1024 * 1024)} MB", reason="VIDEO_TOO_LARGE")
        if not sent:
            first.chunk = chunk
            sent = True
            yield first
        else:
            yield vpb.ProcessVideoRequest(chunk=chunk)
    if not sent:
        yield first  # an empty upload: the server answers EMPTY_FILE


@router.post("/process-video", summary="Track the vehicles of a video; one read per vehicle")
async def process_video(
    backend: BackendDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Video file (MP4, AVI, MKV, MOV, WebM; judged by content)")],
    sample_fps: Annotated[float | None, Form(ge=0, description="Frames analysed per second (0: all)")] = None,
    camera_id: Annotated[str, Form(max_length=64, description="Reported as the events' source")] = "",
) -> dict[str, Any]:
    """Every vehicle of the video with its voted plate; vehicles never read have plate_number ""."""
    started = time.perf_counter()
    first = vpb.ProcessVideoRequest(file_name=file.filename or "", camera_id=camera_id)
    if sample_fps is not None:
        first.sample_fps = sample_fps
    # Starlette has already spooled the upload; it is read here in chunks and streamed on.
    await file.seek(0)
    request_id = new_request_id()
    call = backend.video.ProcessVideo(_chunks(file, settings.max_video_bytes, first),
                                      timeout=settings.video_deadline_s,
                                      metadata=(("x-request-id", request_id),))
    summary: vpb.VideoSummary | None = None
    async for response in call:
        if response.HasField("summary"):
            summary = response.summary
    if summary is None:
        raise ApiError(500, "The video service ended without a summary", reason="INTERNAL")
    return success("Video processing completed successfully", video_convert.video_data(summary), started,
                   settings.tz)
