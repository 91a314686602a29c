"""Timestamps and file-name prefixes for saved artefacts."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from server.errors import InvalidTimestampError

FILE_TIMESTAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"
ACCEPTED_TIMESTAMP_FORMATS = ("%Y-%m-%d %H-%M-%S", "%Y-%m-%d_%H-%M-%S")
MAX_PREFIX_LENGTH = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def parse_custom_timestamp(value: str, tz: ZoneInfo) -> datetime:
    """Parse a documented custom timestamp ("YYYY-MM-DD HH-MM-SS" or with "_"), in tz."""
    text = value.strip()
    for fmt in ACCEPTED_TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise InvalidTimestampError(
        f"Invalid custom_timestamp {value!r}: expected format 'YYYY-MM-DD HH-MM-SS' "
        "(or 'YYYY-MM-DD_HH-MM-SS'), e.g. '2025-06-06 14-30-15'"
    )


def safe_prefix(value: str) -> str:
    """Free text made safe for a file name: [A-Za-z0-9._-] only, no leading dots, bounded."""
    cleaned = _UNSAFE.sub("_", value.strip()).lstrip("._").rstrip("_")
    return cleaned[:MAX_PREFIX_LENGTH]


def file_prefix(
    now: datetime, tz: ZoneInfo, *, custom_timestamp: str = "", batch_prefix: str = ""
) -> tuple[str, datetime]:
    """The artefact name prefix and the timestamp of a request.

    A batch prefix (free text) wins over a custom timestamp; both fall back to now.
    """
    if batch_prefix.strip():
        prefix = safe_prefix(batch_prefix)
        if prefix:
            return prefix, now.astimezone(tz)
    if custom_timestamp.strip():
        moment = parse_custom_timestamp(custom_timestamp, tz)
        return moment.strftime(FILE_TIMESTAMP_FORMAT), moment
    local = now.astimezone(tz)
    return local.strftime(FILE_TIMESTAMP_FORMAT), local
