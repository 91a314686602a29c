"""Video and camera FINAL events into the read history (one read per vehicle whose plate was read)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from server.history.leases import Fence, LeaseLostError
from server.history.records import NewRead
from server.history.store import HistoryStore
from server.video.events import EventKind, TrackEvent

log = logging.getLogger(__name__)

DEFAULT_SOURCE_ID = "video"  # what VideoPlane names an uploaded video without a camera_id


def event_read(event: TrackEvent, *, read_at: datetime, camera_ids: Collection[str]) -> NewRead | None:
    """The history read of a FINAL event; None for other events and for vehicles never read."""
    vehicle = event.vehicle
    if event.kind is not EventKind.FINAL or not vehicle.plate_number:
        return None
    source = "camera" if event.source_id in camera_ids else "video"
    camera_id = "" if event.source_id == DEFAULT_SOURCE_ID else event.source_id
    return NewRead(
        read_at=read_at, plate_text=vehicle.plate_number, plate_number=vehicle.plate_number, source=source,
        camera_id=camera_id, track_id=str(vehicle.track_id), confidence=vehicle.confidence,
        plate_valid=vehicle.plate_valid,
        region_code=vehicle.plate_region_code, region_name=vehicle.plate_region_name,
        plate_type=vehicle.plate_type, text_color=vehicle.plate_text_color,
        background_color=vehicle.plate_background_color, plate_date=vehicle.plate_date,
        vehicle_class=vehicle.vehicle_class, direction=vehicle.direction, vehicle_box=vehicle.box,
        evidence_image_path=vehicle.best_vehicle_image_path, plate_image_path=vehicle.best_plate_image_path,
        vehicle_image_path=vehicle.best_vehicle_image_path,
    )


class VideoReadRecorder:
    """Called with every FINAL event of every video session; a database failure never stops a stream."""

    def __init__(self, store: HistoryStore, now: Callable[[], datetime], *, camera_ids: Collection[str] = (),
                 fences: Callable[[str], Fence | None] | None = None) -> None:
        self._store = store
        self._now = now
        self._camera_ids = frozenset(camera_ids)
        self._fences = fences

    def __call__(self, event: TrackEvent) -> None:
        """Record the event's read (FINAL events with a plate only); a camera's only under its lease."""
        try:
            read = event_read(event, read_at=self._now(), camera_ids=self._camera_ids)
            if read is None:
                return
            fence = self._fences(event.source_id) if self._fences and event.source_id in self._camera_ids else None
            self._store.record(read, fence=fence)
        except LeaseLostError as exc:
            log.warning("history: FINAL of track %s not recorded: %s", event.vehicle.track_id, exc)
        except Exception:
            log.exception("history: FINAL of track %s from %r not recorded", event.vehicle.track_id, event.source_id)
