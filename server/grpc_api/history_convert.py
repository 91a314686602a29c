"""History records <-> HistoryService messages."""

from __future__ import annotations

import json
from dataclasses import replace
from zoneinfo import ZoneInfo

from galaxy.alpr.v1 import history_service_pb2 as hpb
from galaxy.alpr.v1 import types_pb2
from server.history.payload import read_json
from server.history.records import Alert, Box, PlateMatch, ReadQuery, StoredRead, WatchEntry
from server.history.timeutil import parse_time

_MATCH: dict[int, PlateMatch] = {hpb.PLATE_MATCH_EXACT: "exact", hpb.PLATE_MATCH_PREFIX: "prefix",
                                 hpb.PLATE_MATCH_FUZZY: "fuzzy"}


def _box(box: Box | None) -> types_pb2.BoundingBox | None:
    return types_pb2.BoundingBox(x1=box[0], y1=box[1], x2=box[2], y2=box[3]) if box else None


def read_query(f: hpb.ReadFilter, tz: ZoneInfo, *, limit: int = 0, cursor: str = "") -> ReadQuery:
    """A ReadFilter (+ paging) as the store's query; times parsed in tz; limit 0: the store's default page."""
    match = _MATCH.get(f.match) or ("fuzzy" if f.max_distance > 0 else "exact")
    query = ReadQuery(plate=f.plate, match=match, max_distance=f.max_distance, since=parse_time(f.since, tz),
                      until=parse_time(f.until, tz), camera_id=f.camera_id, region_code=f.region_code,
                      plate_type=f.plate_type, vehicle_class=f.vehicle_class, cursor=cursor)
    return replace(query, limit=limit) if limit else query


def history_read(stored: StoredRead, tz: ZoneInfo) -> hpb.HistoryRead:
    """A stored read as a message."""
    r = stored.read
    message = hpb.HistoryRead(
        read_id=stored.read_id, read_time=r.read_at.astimezone(tz).isoformat(), source=r.source,
        camera_id=r.camera_id, request_id=r.request_id, track_id=r.track_id, plate_text=r.plate_text,
        plate_number=r.plate_number, plate_normalized=stored.plate_normalized, plate_folded=stored.plate_folded,
        confidence=r.confidence, region_code=r.region_code, region_name=r.region_name, plate_type=r.plate_type,
        plate_text_color=r.text_color, plate_background_color=r.background_color, plate_date=r.plate_date,
        vehicle_class=r.vehicle_class, vehicle_confidence=r.vehicle_confidence, direction=r.direction,
        plate_box=_box(r.plate_box), vehicle_box=_box(r.vehicle_box), image_width=r.image_width,
        image_height=r.image_height, original_filename=r.original_filename,
        uploaded_image_path=r.uploaded_image_path, evidence_image_path=r.evidence_image_path,
        plate_image_path=r.plate_image_path, vehicle_image_path=r.vehicle_image_path, distance=stored.distance,
        document_json=json.dumps(read_json(stored, tz), ensure_ascii=False),
    )
    if r.plate_valid is not None:
        message.plate_valid = r.plate_valid
    return message


def watchlist_entry(entry: WatchEntry, tz: ZoneInfo) -> hpb.WatchlistEntry:
    """A watch-list entry as a message."""
    return hpb.WatchlistEntry(entry_id=entry.entry_id, plate_number=entry.plate_number,
                              plate_normalized=entry.plate_normalized, match_distance=entry.match_distance,
                              label=entry.label, webhook_url=entry.webhook_url,
                              created_at=entry.created_at.astimezone(tz).isoformat())


def alert(a: Alert, tz: ZoneInfo) -> hpb.Alert:
    """An alert as a message."""
    return hpb.Alert(
        alert_id=a.alert_id, entry_id=a.entry_id, created_at=a.created_at.astimezone(tz).isoformat(),
        plate_number=a.plate_number, entry_plate_number=a.entry_plate_number, label=a.label, distance=a.distance,
        camera_id=a.camera_id, delivery_status=a.delivery_status, delivery_attempts=a.delivery_attempts,
        last_error=a.last_error, delivered_at=a.delivered_at.astimezone(tz).isoformat() if a.delivered_at else "",
        read=history_read(a.read, tz) if a.read is not None else None,
    )

