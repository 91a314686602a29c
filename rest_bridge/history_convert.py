"""HistoryService answers -> the JSON of the history, watch-list and alert endpoints."""

from __future__ import annotations

from typing import Any

from galaxy.alpr.v1 import history_service_pb2 as hpb
from galaxy.alpr.v1 import types_pb2


def _box(message: hpb.HistoryRead, field: str) -> list[int] | None:
    if not message.HasField(field):  # type: ignore[arg-type]
        return None
    b: types_pb2.BoundingBox = getattr(message, field)
    return [b.x1, b.y1, b.x2, b.y2]


def history_read(r: hpb.HistoryRead) -> dict[str, Any]:
    """One read."""
    return {
        "read_id": r.read_id,
        "read_time": r.read_time,
        "source": r.source,
        "camera_id": r.camera_id,
        "request_id": r.request_id,
        "track_id": r.track_id,
        "plate_text": r.plate_text,
        "plate_number": r.plate_number,
        "plate_normalized": r.plate_normalized,
        "plate_folded": r.plate_folded,
        "confidence": round(r.confidence, 4),
        "plate_valid": r.plate_valid if r.HasField("plate_valid") else None,
        "plate_region_code": r.region_code,
        "plate_region_name": r.region_name,
        "plate_type": r.plate_type,
        "plate_text_color": r.plate_text_color,
        "plate_background_color": r.plate_background_color,
        "plate_date": r.plate_date,
        "vehicle_class": r.vehicle_class,
        "vehicle_confidence": round(r.vehicle_confidence, 4),
        "direction": r.direction,
        "plate_box": _box(r, "plate_box"),
        "vehicle_box": _box(r, "vehicle_box"),
        "image_width": r.image_width,
        "image_height": r.image_height,
        "original_filename": r.original_filename,
        "uploaded_image_path": r.uploaded_image_path,
        "evidence_image_path": r.evidence_image_path,
        "plate_image_path": r.plate_image_path,
        "vehicle_image_path": r.vehicle_image_path,
        "distance": round(r.distance, 4),
    }


def watchlist_entry(e: hpb.WatchlistEntry) -> dict[str, Any]:
    """One watch-list entry."""
    return {"entry_id": e.entry_id, "plate_number": e.plate_number, "plate_normalized": e.plate_normalized,
            "match_distance": e.match_distance, "label": e.label, "webhook_url": e.webhook_url,
            "created_at": e.created_at}


def alert(a: hpb.Alert) -> dict[str, Any]:
    """One alert (with its read while retention keeps it)."""
    return {"alert_id": a.alert_id, "entry_id": a.entry_id, "created_at": a.created_at,
            "plate_number": a.plate_number, "entry_plate_number": a.entry_plate_number, "label": a.label,
            "distance": round(a.distance, 4), "camera_id": a.camera_id, "delivery_status": a.delivery_status,
            "delivery_attempts": a.delivery_attempts, "last_error": a.last_error,
            "delivered_at": a.delivered_at or None,
            "read": history_read(a.read) if a.HasField("read") else None}
