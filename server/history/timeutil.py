"""The store keeps UTC as naive datetimes (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timezone


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
