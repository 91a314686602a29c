"""Who may call the bridge and how often: API keys, per-key rate limits, safe response headers."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from clients.credentials import key_matches, presented_key
from rest_bridge.errors import RETRY_REASONS, envelope
from server.errors import Reason

API_PREFIX = "/galaxy-alpr/v1"
# Probes and the service's description stay reachable without a key.
OPEN_PATHS = frozenset({"/", f"{API_PREFIX}/", f"{API_PREFIX}/health"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller: `per_minute` requests a minute, bursts up to `per_minute`."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """0 when the caller may go now, else the seconds until it may."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(caller, _Bucket(float(self.per_minute), now))
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self._rate


def access_middleware(keys: tuple[str, ...], limiter: RateLimiter | None
                      ) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """An HTTP middleware: 401 without a valid key (when keys are set), 429 + Retry-After over the rate."""

    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method == "OPTIONS" or request.url.path in OPEN_PATHS:
            return await call_next(request)
        tz = request.app.state.limits.tz
        key = presented_key(request.headers.items())
        if keys and not key_matches(key, keys):
            body = envelope("A valid API key is required (X-API-Key or Authorization: Bearer)", tz,
                            reason=Reason.UNAUTHENTICATED, status_code=401)
            return JSONResponse(status_code=401, content=body, headers={"WWW-Authenticate": "Bearer"})
        if limiter is not None:
            caller = f"key:{key}" if keys else f"ip:{request.client.host if request.client else '-'}"
            wait = limiter.take(caller)
            if wait > 0:
                body = envelope(f"Rate limit of {limiter.per_minute} requests per minute exceeded", tz,
                                reason=Reason.RATE_LIMITED, status_code=429)
                return JSONResponse(status_code=429, content=body,
                                    headers={"Retry-After": str(max(1, math.ceil(wait)))})
        return await call_next(request)

    return guard


def inflight_limit(max_inflight: int, retry_after_s: float = RETRY_REASONS[Reason.OVERLOADED]
                   ) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Shed POSTs beyond max_inflight at once (429 OVERLOADED + Retry-After), before reading their bodies.

    The server sheds too (its own bound), but only after the upload has been read and sent to it;
    refusing here answers an excess client in milliseconds.
    """
    inflight = 0

    async def limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        nonlocal inflight
        if request.method != "POST":
            return await call_next(request)
        if inflight >= max_inflight:
            body = envelope(f"Server busy: {max_inflight} requests in progress; retry in {retry_after_s:g} s",
                            request.app.state.limits.tz, reason=Reason.OVERLOADED, status_code=429)
            return JSONResponse(status_code=429, content=body,
                                headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))})
        inflight += 1  # one event loop: no lock needed
        try:
            return await call_next(request)
        finally:
            inflight -= 1

    return limit


async def safe_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every answer: the browser must not sniff a content type (a JPEG+HTML polyglot stays an image)."""
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
