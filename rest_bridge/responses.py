"""The documented success envelope."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from galaxy.alpr.v1 import types_pb2
from rest_bridge.errors import ApiError, http_status


def success(message: str, data: dict[str, Any], started: float, tz: ZoneInfo) -> dict[str, Any]:
    """{success, message, data, processing_time_ms, timestamp}."""
    return {
        "success": True,
        "message": message,
        "data": data,
        "processing_time_ms": round((time.perf_counter() - started) * 1000),
        "timestamp": datetime.now(tz).isoformat(),
    }


def raise_item_error(error: types_pb2.ItemError) -> None:
    """Turn a per-image error of a single-image call into the HTTP error."""
    raise ApiError(http_status(error.code, error.reason), error.message, reason=error.reason)


def now_iso(tz: ZoneInfo) -> str:
    """The bridge's current time."""
    return datetime.now(tz).isoformat()
