"""Framework-free records the history store takes and gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Box = tuple[int, int, int, int]
PlateMatch = Literal["exact", "prefix", "fuzzy"]


@dataclass(frozen=True)
class NewRead:
    """One plate read to record: from an image request or a video/camera track's FINAL event."""

    read_at: datetime
    plate_text: str
    plate_number: str = ""
    source: str = "image"
    camera_id: str = ""
    request_id: str = ""
    track_id: str = ""
    confidence: float = 0.0
    plate_valid: bool | None = None
    region_code: str = ""
    region_name: str = ""
    plate_type: str = ""
    text_color: str = ""
    background_color: str = ""
    plate_date: str = ""
    vehicle_class: str = ""
    vehicle_confidence: float = 0.0
    direction: str = ""
    plate_box: Box | None = None
    vehicle_box: Box | None = None
    image_width: int = 0
    image_height: int = 0
    original_filename: str = ""
    uploaded_image_path: str = ""
    evidence_image_path: str = ""
    plate_image_path: str = ""
    vehicle_image_path: str = ""
    results_path: str = ""


@dataclass(frozen=True)
class StoredRead:
    """A recorded read as searches return it (read_at is aware, UTC)."""

    read_id: int
    read: NewRead
    plate_normalized: str
    plate_folded: str
    distance: float = 0.0


@dataclass(frozen=True)
class ReadQuery:
    """A search over the history; every field is optional."""

    plate: str = ""
    match: PlateMatch = "exact"
    max_distance: float = 0.0
    since: datetime | None = None
    until: datetime | None = None
    camera_id: str = ""
    region_code: str = ""
    plate_type: str = ""
    vehicle_class: str = ""
    limit: int = 50
    cursor: str = ""


@dataclass(frozen=True)
class ReadPage:
    """One page of search results and the cursor of the next one ("" when it was the last)."""

    reads: list[StoredRead]
    next_cursor: str = ""


@dataclass(frozen=True)
class NewWatchEntry:
    """A plate to watch for."""

    plate_number: str
    match_distance: float = 0.0
    label: str = ""
    webhook_url: str = ""


@dataclass(frozen=True)
class WatchEntry:
    """A stored watch-list entry."""

    entry_id: str
    plate_number: str
    plate_normalized: str
    match_distance: float
    label: str
    webhook_url: str
    created_at: datetime


@dataclass(frozen=True)
class Alert:
    """A read that matched a watch-list entry, and where its webhook delivery stands."""

    alert_id: str
    entry_id: str
    read_id: int | None
    created_at: datetime
    plate_number: str
    entry_plate_number: str
    label: str
    distance: float
    camera_id: str
    delivery_status: str  # "none" (no webhook), "pending", "delivered", "failed"
    delivery_attempts: int = 0
    last_error: str = ""
    delivered_at: datetime | None = None
    read: StoredRead | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RecordResult:
    """What recording one read produced."""

    read_id: int
    alerts: list[Alert]
