"""Opaque page cursors: the (time, id) of the last read of a page."""

from __future__ import annotations

import base64
from datetime import datetime

from server.errors import InvalidInputError, Reason


class InvalidCursorError(InvalidInputError):
    """A cursor that this store did not make."""

    reason: str = Reason.INVALID_CURSOR


def encode_cursor(read_at: datetime, read_id: int) -> str:
    """The cursor after a read (read_at naive UTC as stored)."""
    raw = f"{read_at.isoformat()}|{read_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(read_at, id) from a cursor; InvalidCursorError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, read_id = raw.partition("|")
        return datetime.fromisoformat(moment), int(read_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError(f"invalid cursor {cursor!r}") from exc
