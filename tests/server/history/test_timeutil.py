"""Times in queries: ISO 8601, a missing offset means the configured timezone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from server.errors import InvalidInputError
from server.history.timeutil import from_db, parse_time, to_db

MAKASSAR = ZoneInfo("Asia/Makassar")


def test_parse_time() -> None:
    assert parse_time("", MAKASSAR) is None
    assert parse_time("2026-12-01T08:00:00+00:00", MAKASSAR) == datetime(2026, 12, 1, 8, tzinfo=timezone.utc)
    local = parse_time("2026-12-01 16:00:00", MAKASSAR)
    assert local is not None and local.utcoffset() == timedelta(hours=8)
    assert parse_time("2026-12-01", MAKASSAR) == datetime(2026, 12, 1, tzinfo=MAKASSAR)
    with pytest.raises(InvalidInputError):
        parse_time("yesterday", MAKASSAR)


def test_database_times_are_naive_utc() -> None:
    aware = datetime(2026, 12, 1, 16, tzinfo=MAKASSAR)
    assert to_db(aware) == datetime(2026, 12, 1, 8)
    assert from_db(to_db(aware)) == aware
