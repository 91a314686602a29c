"""API keys on the wire: how a caller presents one (`x-api-key: <key>` or `authorization: Bearer <key>`)
and how a service checks it. Shared by the gRPC server and the REST bridge (and any service that
wants the same convention)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any


def presented_key(metadata: Iterable[tuple[str, Any]]) -> str:
    """The key a caller sent (x-api-key, else a Bearer token), or ""."""
    values = {k.lower(): str(v) for k, v in metadata}
    if values.get("x-api-key"):
        return values["x-api-key"]
    scheme, _, token = values.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def key_matches(key: str, keys: Iterable[str]) -> bool:
    """Constant-time comparison against every configured key."""
    return bool(key) and any(hmac.compare_digest(key.encode(), k.encode()) for k in keys)
