"""Validation of a watch-list entry's webhook URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from server.errors import InvalidInputError, Reason


def check_webhook_url(url: str) -> None:
    """InvalidInputError unless url is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"webhook_url must be an http(s) URL, not {url!r}", reason=Reason.INVALID_WEBHOOK_URL)
