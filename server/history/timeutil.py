"""The store keeps UTC as naive datetimes (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from server.errors import InvalidInputError, Reason


def to_db(moment: datetime) -> datetime:
    """Aware (or naive UTC) -> naive UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def from_db(moment: datetime) -> datetime:
    """Naive UTC from the database -> aware UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def utc_now() -> datetime:
    """Now, aware UTC."""
    return datetime.now(timezone.utc)


def parse_time(text: str, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 (a date alone is its midnight; no offset: in tz) -> aware; "" -> None; else InvalidInputError."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1) if len(text.strip()) > 10 else text.strip())
    except ValueError as exc:
        raise InvalidInputError(f"invalid time {text!r}: use ISO 8601, e.g. 2026-12-01T08:00:00+08:00",
                                reason=Reason.INVALID_TIME) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
