"""The one JSON document of a recorded read (REST API, webhooks, CSV export) and the webhook's body.

`read_json` is the only encoder of a history read: the server sends it over gRPC as
`HistoryRead.document_json`, the REST bridge answers with it unchanged, the webhook payload embeds it
and the CSV export writes its columns. Field names follow the image API (`plate_region_code`,
`plate_text_color`, ...); numbers are rounded here, once.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from server.history.records import Box, StoredRead, WatchEntry

EVENT = "watchlist.alert"


def _box(box: Box | None) -> dict[str, int] | None:
    if box is None:
        return None
    return {"xmin": box[0], "ymin": box[1], "xmax": box[2], "ymax": box[3]}


def read_json(stored: StoredRead, tz: ZoneInfo) -> dict[str, Any]:
    """A recorded read as JSON: the one document of a history read."""
    r = stored.read
    return {
        "read_id": stored.read_id,
        "read_time": r.read_at.astimezone(tz).isoformat(),
        "source": r.source,
        "camera_id": r.camera_id,
        "request_id": r.request_id,
        "track_id": r.track_id,
        "plate_text": r.plate_text,
        "plate_number": r.plate_number,
        "plate_normalized": stored.plate_normalized,
        "plate_folded": stored.plate_folded,
        "confidence": round(r.confidence, 4),
        "plate_valid": r.plate_valid,
        "plate_region_code": r.region_code,
        "plate_region_name": r.region_name,
        "plate_type": r.plate_type,
        "plate_text_color": r.text_color,
        "plate_background_color": r.background_color,
        "plate_date": r.plate_date,
        "vehicle_class": r.vehicle_class,
        "vehicle_confidence": round(r.vehicle_confidence, 4),
        "direction": r.direction,
        "plate_box": list(r.plate_box) if r.plate_box else None,
        "vehicle_box": list(r.vehicle_box) if r.vehicle_box else None,
        "image_width": r.image_width,
        "image_height": r.image_height,
        "original_filename": r.original_filename,
        "uploaded_image_path": r.uploaded_image_path,
        "evidence_image_path": r.evidence_image_path,
        "plate_image_path": r.plate_image_path,
        "vehicle_image_path": r.vehicle_image_path,
        "distance": round(stored.distance, 4),
    }


def entry_json(entry: WatchEntry, tz: ZoneInfo) -> dict[str, Any]:
    """A watch-list entry as JSON."""
    return {
        "entry_id": entry.entry_id,
        "plate_number": entry.plate_number,
        "plate_normalized": entry.plate_normalized,
        "match_distance": entry.match_distance,
        "label": entry.label,
        "webhook_url": entry.webhook_url,
        "created_at": entry.created_at.astimezone(tz).isoformat(),
    }


def webhook_payload(*, alert_id: str, distance: float, stored: StoredRead, entry: WatchEntry,
                    tz: ZoneInfo) -> dict[str, Any]:
    """{hook, data}: data.results[] like Plate Recognizer's (plate, box, score, region, vehicle), plus ours."""
    r = stored.read
    result: dict[str, Any] = {
        "plate": stored.plate_normalized.lower(),
        "box": _box(r.plate_box),
        "score": round(r.confidence, 4),
        "region": {"code": r.region_code.lower(), "name": r.region_name},
        "vehicle": {"type": r.vehicle_class, "score": round(r.vehicle_confidence, 4), "box": _box(r.vehicle_box)},
        "direction": r.direction or None,
        "plate_number": r.plate_number,
    }
    return {
        "hook": {"target": entry.webhook_url, "id": entry.entry_id, "event": EVENT},
        "data": {
            "alert_id": alert_id,
            "timestamp": r.read_at.astimezone(tz).isoformat(),
            "camera_id": r.camera_id,
            "filename": r.original_filename,
            "image_width": r.image_width,
            "image_height": r.image_height,
            "results": [result],
            "distance": round(distance, 4),
            "read": read_json(stored, tz),
            "watchlist_entry": entry_json(entry, tz),
            "camera": {"camera_id": r.camera_id, "source": r.source},
        },
    }
