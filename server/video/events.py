"""What the video side reports: one vehicle's summary and the NEW / UPDATE / FINAL events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class EventKind(str, Enum):
    """NEW: first confident read; UPDATE: the best read changed; FINAL: the vehicle's one last word."""

    NEW = "NEW"
    UPDATE = "UPDATE"
    FINAL = "FINAL"


@dataclass(frozen=True)
class VehicleReport:
    """One tracked vehicle (or lone plate) as reported; times in seconds from the source's start.

    Values are unrounded: each document that shows them (the REST video JSON, the history read) rounds once.
    """

    track_id: int
    plate_number: str
    confidence: float
    votes: int
    frames_seen: int
    first_seen_s: float
    last_seen_s: float
    vehicle_class: str
    direction: str
    candidates: tuple[tuple[str, float], ...]
    plate_region_code: str = ""
    plate_region_name: str = ""
    plate_type: str = ""
    plate_date: str = ""
    plate_text_color: str = ""
    plate_background_color: str = ""
    best_frame_s: float = 0.0
    best_plate_image_path: str = ""
    best_vehicle_image_path: str = ""
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # the last vehicle (or plate) box seen
    plate_valid: bool = False  # the winning reads' verdict (server.plates.verify), carried, never recomputed
    first_frame: int = 0  # the frame range the vehicle was seen in (source frame indexes)
    last_frame: int = 0


@dataclass(frozen=True)
class TrackEvent:
    """One event of a track, at `t_s` seconds of its source."""

    kind: EventKind
    t_s: float
    source_id: str
    vehicle: VehicleReport
