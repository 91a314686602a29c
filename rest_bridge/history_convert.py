"""HistoryService answers -> the JSON of the history, watch-list and alert endpoints."""

from __future__ import annotations

import json
from typing import Any

from galaxy.alpr.v1 import history_service_pb2 as hpb


def history_read(r: hpb.HistoryRead) -> dict[str, Any]:
    """One read: the server's document of it, unchanged (server/history/payload.py renders it once)."""
    document: dict[str, Any] = json.loads(r.document_json)
    return document


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
