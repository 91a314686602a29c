from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from server.errors import InvalidTimestampError
from server.storage.naming import file_prefix, parse_custom_timestamp, safe_prefix

TZ = ZoneInfo("Asia/Makassar")
NOW = datetime(2025, 6, 6, 6, 30, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["2025-06-06 14-30-15", "2025-06-06_14-30-15", " 2025-06-06 14-30-15 "])
def test_documented_timestamp_formats_parse(text: str) -> None:
    moment = parse_custom_timestamp(text, TZ)
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second) == (
        2025, 6, 6, 14, 30, 15)
    assert moment.tzinfo == TZ


@pytest.mark.parametrize("text", ["2025-13-06 14-30-15", "yesterday", "2025-06-06T14:30:15", "2025/06/06 14-30-15",
                                  "2025-06-06 25-00-00", "../../etc"])
def test_invalid_timestamps_are_rejected(text: str) -> None:
    with pytest.raises(InvalidTimestampError, match="custom_timestamp"):
        parse_custom_timestamp(text, TZ)


def test_default_prefix_is_now_in_configured_timezone() -> None:
    prefix, moment = file_prefix(NOW, TZ)
    assert prefix == "2025-06-06_14-30-15"  # 06:30 UTC is 14:30 in Makassar (UTC+8)
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_batch_prefix_wins_and_is_made_safe() -> None:
    prefix, _ = file_prefix(NOW, TZ, custom_timestamp="2025-01-01 00-00-00", batch_prefix="../batch 2025/06?*")
    assert prefix == "batch_2025_06"
    assert "/" not in prefix and ".." not in prefix


def test_safe_prefix_strips_leading_dots_and_bounds_length() -> None:
    assert safe_prefix("...hidden") == "hidden"
    assert len(safe_prefix("x" * 500)) == 64
    assert safe_prefix("日本語") == ""
