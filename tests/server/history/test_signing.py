"""Webhook signatures: HMAC-SHA256 of the raw body, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac

from server.history.signing import sign, verify


def test_signature_is_hmac_sha256_of_the_body() -> None:
    body = b'{"hook": {}}'
    assert sign("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert verify("k", body, sign("k", body))
    assert not verify("other", body, sign("k", body))
    assert not verify("k", body + b" ", sign("k", body))
