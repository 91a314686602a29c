"""Video domain results -> video_service.proto messages."""

from __future__ import annotations

from datetime import datetime

from galaxy.alpr.v1 import types_pb2
from galaxy.alpr.v1 import video_service_pb2 as vpb
from server.video.cameras import CameraView
from server.video.events import EventKind, TrackEvent, VehicleReport
from server.video.plane import StreamState, StreamStatus
from server.video.runner import VideoSummary

_KINDS = {EventKind.NEW: vpb.TRACK_EVENT_KIND_NEW, EventKind.UPDATE: vpb.TRACK_EVENT_KIND_UPDATE,
          EventKind.FINAL: vpb.TRACK_EVENT_KIND_FINAL}
_STATES = {StreamState.CONNECTING: vpb.STREAM_STATE_CONNECTING, StreamState.STREAMING: vpb.STREAM_STATE_STREAMING,
           StreamState.RECONNECTING: vpb.STREAM_STATE_RECONNECTING, StreamState.STOPPED: vpb.STREAM_STATE_STOPPED}


def tracked_vehicle(v: VehicleReport) -> vpb.TrackedVehicle:
    """One vehicle report as a message."""
    return vpb.TrackedVehicle(
        track_id=v.track_id, plate_number=v.plate_number, confidence=v.confidence, votes=v.votes,
        frames_seen=v.frames_seen, first_seen_s=v.first_seen_s, last_seen_s=v.last_seen_s,
        vehicle_class=v.vehicle_class, direction=v.direction,
        candidates=[vpb.PlateVoteShare(plate_number=t, share=s) for t, s in v.candidates],
        plate_region_code=v.plate_region_code, plate_region_name=v.plate_region_name, plate_type=v.plate_type,
        plate_date=v.plate_date, plate_text_color=v.plate_text_color,
        plate_background_color=v.plate_background_color, best_frame_s=v.best_frame_s,
        best_plate_image_path=v.best_plate_image_path, best_vehicle_image_path=v.best_vehicle_image_path,
        box=types_pb2.BoundingBox(x1=v.box[0], y1=v.box[1], x2=v.box[2], y2=v.box[3]), plate_valid=v.plate_valid,
        first_frame=v.first_frame, last_frame=v.last_frame,
    )


def track_event(event: TrackEvent, moment: datetime) -> vpb.TrackEvent:
    """One event as a message, stamped with the moment it is sent."""
    return vpb.TrackEvent(kind=_KINDS[event.kind], time_s=event.t_s, source_id=event.source_id,
                          vehicle=tracked_vehicle(event.vehicle), timestamp=moment.isoformat())


def video_summary(summary: VideoSummary) -> vpb.VideoSummary:
    """A processed video's summary as a message."""
    return vpb.VideoSummary(
        video=vpb.VideoDescription(frames=summary.frames, frames_processed=summary.frames_processed,
                                   fps=summary.fps, duration_s=summary.duration_s, width=summary.width,
                                   height=summary.height),
        vehicles=[tracked_vehicle(v) for v in summary.vehicles],
        processing_time_ms=summary.processing_time_ms,
        stage_times_ms=summary.stage_times_ms,
    )


def stream_status(status: StreamStatus) -> vpb.StreamStatus:
    """A watched stream's connection state as a message."""
    return vpb.StreamStatus(state=_STATES[status.state], message=status.message, reconnects=status.reconnects)


def camera_info(view: CameraView) -> vpb.CameraInfo:
    """One camera's state as a message."""
    return vpb.CameraInfo(camera_id=view.camera_id, url=view.url, status=stream_status(view.status),
                          frames=view.frames, frames_processed=view.frames_processed, events=view.events,
                          last_frame_at=view.last_frame_at, owner=view.owner)
