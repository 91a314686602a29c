"""The documented success envelope."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def success(message: str, data: dict[str, Any], started: float, tz: ZoneInfo) -> dict[str, Any]:
    """{success, message, data, processing_time_ms, timestamp}."""
    return {
        "success": True,
        "message": message,
        "data": data,
        "processing_time_ms": round((time.perf_counter() - started) * 1000),
        "timestamp": datetime.now(tz).isoformat(),
    }


def now_iso(tz: ZoneInfo) -> str:
    """The bridge's current time."""
    return datetime.now(tz).isoformat()
