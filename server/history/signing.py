"""HMAC-SHA256 signatures of webhook bodies."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Galaxy-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Galaxy-Event"
ATTEMPT_HEADER = "X-Galaxy-Delivery-Attempt"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: "sha256=" + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """True when header is the body's signature under secret (constant-time compare)."""
    return hmac.compare_digest(sign(secret, body), header)
