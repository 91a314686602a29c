"""Conversions between table rows and the store's records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String

from server.history.models import AlertRow, Read, WatchlistEntry
from server.history.records import Alert, Box, NewRead, StoredRead, WatchEntry
from server.history.timeutil import from_db, to_db

_LENGTHS = {c.name: c.type.length for c in Read.__table__.columns
            if isinstance(c.type, String) and c.type.length is not None}


def box_text(box: Box | None) -> str:
    """"x1,y1,x2,y2" or ""."""
    return ",".join(str(v) for v in box) if box else ""


def text_box(text: str) -> Box | None:
    """The inverse of box_text."""
    if not text:
        return None
    x1, y1, x2, y2 = (int(v) for v in text.split(","))
    return (x1, y1, x2, y2)


def read_columns(read: NewRead) -> dict[str, Any]:
    """The reads-table columns of a new read (plate keys and plate_id are added by the store).

    Text longer than its column is cut to fit (PostgreSQL would refuse it; SQLite would keep it).
    """
    columns = _unclipped(read)
    for name, value in columns.items():
        limit = _LENGTHS.get(name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            columns[name] = value[:limit]
    return columns


def _unclipped(read: NewRead) -> dict[str, Any]:
    return {
        "read_at": to_db(read.read_at), "source": read.source, "camera_id": read.camera_id,
        "request_id": read.request_id, "track_id": read.track_id, "plate_text": read.plate_text,
        "plate_number": read.plate_number or read.plate_text, "confidence": float(read.confidence),
        "plate_valid": read.plate_valid, "region_code": read.region_code, "region_name": read.region_name,
        "plate_type": read.plate_type, "text_color": read.text_color, "background_color": read.background_color,
        "plate_date": read.plate_date, "vehicle_class": read.vehicle_class,
        "vehicle_confidence": float(read.vehicle_confidence), "direction": read.direction,
        "plate_box": box_text(read.plate_box), "vehicle_box": box_text(read.vehicle_box),
        "image_width": read.image_width, "image_height": read.image_height,
        "original_filename": read.original_filename, "uploaded_image_path": read.uploaded_image_path,
        "evidence_image_path": read.evidence_image_path, "plate_image_path": read.plate_image_path,
        "vehicle_image_path": read.vehicle_image_path, "results_path": read.results_path,
    }


def stored_read(row: Read, distance: float = 0.0) -> StoredRead:
    """A reads row as a StoredRead."""
    read = NewRead(
        read_at=from_db(row.read_at), plate_text=row.plate_text, plate_number=row.plate_number,
        source=row.source, camera_id=row.camera_id, request_id=row.request_id, track_id=row.track_id,
        confidence=row.confidence, plate_valid=row.plate_valid, region_code=row.region_code,
        region_name=row.region_name, plate_type=row.plate_type, text_color=row.text_color,
        background_color=row.background_color, plate_date=row.plate_date, vehicle_class=row.vehicle_class,
        vehicle_confidence=row.vehicle_confidence, direction=row.direction, plate_box=text_box(row.plate_box),
        vehicle_box=text_box(row.vehicle_box), image_width=row.image_width, image_height=row.image_height,
        original_filename=row.original_filename, uploaded_image_path=row.uploaded_image_path,
        evidence_image_path=row.evidence_image_path, plate_image_path=row.plate_image_path,
        vehicle_image_path=row.vehicle_image_path, results_path=row.results_path,
    )
    return StoredRead(row.id, read, row.plate_normalized, row.plate_folded, distance)


def watch_entry(row: WatchlistEntry) -> WatchEntry:
    """A watchlist row as a WatchEntry."""
    return WatchEntry(row.id, row.plate_number, row.plate_normalized, row.match_distance, row.label,
                      row.webhook_url, from_db(row.created_at))


def alert(row: AlertRow, *, status: str, attempts: int = 0, last_error: str = "",
          delivered_at: Any = None, read: StoredRead | None = None) -> Alert:
    """An alerts row (and its outbox state) as an Alert."""
    return Alert(row.id, row.entry_id, row.read_id, from_db(row.created_at), row.plate_number,
                 row.entry_plate_number, row.label, row.distance, row.camera_id, status, attempts, last_error,
                 from_db(delivered_at) if delivered_at is not None else None, read)
