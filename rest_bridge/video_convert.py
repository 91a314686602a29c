"""video_service.proto messages -> the video endpoints' JSON."""

from __future__ import annotations

from typing import Any

import grpc

from clients.video_client import AsyncVideoClient
from galaxy.alpr.v1 import video_service_pb2 as vpb

_KIND_NAMES = {vpb.TRACK_EVENT_KIND_NEW: "NEW", vpb.TRACK_EVENT_KIND_UPDATE: "UPDATE",
               vpb.TRACK_EVENT_KIND_FINAL: "FINAL"}
_STATE_NAMES = {vpb.STREAM_STATE_CONNECTING: "connecting", vpb.STREAM_STATE_STREAMING: "streaming",
                vpb.STREAM_STATE_RECONNECTING: "reconnecting", vpb.STREAM_STATE_STOPPED: "stopped"}


def vehicle(v: vpb.TrackedVehicle) -> dict[str, Any]:
    """One vehicle with exactly the documented keys (times in seconds from the video's start)."""
    return {
        "track_id": v.track_id,
        "plate_number": v.plate_number,
        "confidence": round(v.confidence, 4),
        "votes": v.votes,
        "frames_seen": v.frames_seen,
        "first_seen_s": round(v.first_seen_s, 3),
        "last_seen_s": round(v.last_seen_s, 3),
        "vehicle_class": v.vehicle_class,
        "direction": v.direction,
        "candidates": [{"plate_number": c.plate_number, "share": round(c.share, 4)} for c in v.candidates],
        "plate_region_code": v.plate_region_code,
        "plate_region_name": v.plate_region_name,
        "plate_type": v.plate_type,
        "plate_date": v.plate_date,
        "plate_text_color": v.plate_text_color,
        "plate_background_color": v.plate_background_color,
        "plate_valid": v.plate_valid,
        "first_frame": v.first_frame,
        "last_frame": v.last_frame,
        "best_frame_s": round(v.best_frame_s, 3),
        "best_plate_image_path": v.best_plate_image_path,
        "best_vehicle_image_path": v.best_vehicle_image_path,
    }


def video_data(summary: vpb.VideoSummary) -> dict[str, Any]:
    """The process-video `data`: the video, its vehicles, the server's processing time."""
    d = summary.video
    return {
        "video": {"frames": d.frames, "frames_processed": d.frames_processed, "fps": round(d.fps, 3),
                  "duration_s": round(d.duration_s, 3), "width": d.width, "height": d.height},
        "vehicles": [vehicle(v) for v in summary.vehicles],
        "processing_time_ms": round(summary.processing_time_ms, 1),
    }


def event(e: vpb.TrackEvent) -> dict[str, Any]:
    """One event as the SSE stream sends it."""
    return {"event": _KIND_NAMES.get(e.kind, "UNSPECIFIED"), "time_s": round(e.time_s, 3),
            "source_id": e.source_id, "timestamp": e.timestamp, "vehicle": vehicle(e.vehicle)}


def camera(c: vpb.CameraInfo) -> dict[str, Any]:
    """One camera's state for /health and /stats."""
    return {"camera_id": c.camera_id, "url": c.url, "state": _STATE_NAMES.get(c.status.state, "unknown"),
            "message": c.status.message, "reconnects": c.status.reconnects, "frames": c.frames,
            "frames_processed": c.frames_processed, "events": c.events, "last_frame_at": c.last_frame_at,
            "owner": c.owner}


async def cameras(client: AsyncVideoClient) -> dict[str, list[Any]]:
    """{"cameras": each configured camera's state, "replicas": the replicas sharing them}; empty lists when
    the server has no video service."""
    try:
        answer = await client.list_cameras()
    except grpc.aio.AioRpcError:
        return {"cameras": [], "replicas": []}
    return {"cameras": [camera(c) for c in answer.cameras], "replicas": list(answer.replicas)}
