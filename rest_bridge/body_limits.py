"""Request bodies bounded while they stream in (chunked bodies without Content-Length included), and
a time limit on every read of the body: a slow or endless upload is refused, never spooled to disk."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyReadTimeout(HTTPException):
    """The client sent no body bytes for `body_timeout_s`."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(status_code=408, detail=f"No request body received for {timeout_s:g} s")


class StreamingBodyLimit:
    """ASGI middleware: Starlette's body-size limiter with a limit computed per request, plus read timeouts.

    The limit comes from `limit_of(scope)` (the bridge learns it from the server); bytes are counted as
    they arrive, so a chunked upload is cut off at the limit (413) instead of read to the end. While the
    limit is not known (None) a request with a body is answered by `unavailable` without reading it.
    """

    def __init__(self, app: ASGIApp, *, limit_of: Callable[[Scope], Awaitable[int | None]], body_timeout_s: float,
                 refuse: Callable[[Scope, int, int], Response], unavailable: Callable[[Scope], Response]) -> None:
        self.app = app
        self.limit_of = limit_of
        self.body_timeout_s = body_timeout_s
        self.refuse = refuse
        self.unavailable = unavailable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timeout, limit = self.body_timeout_s, await self.limit_of(scope)
        if limit is None:
            if scope.get("method", "GET") in _BODY_METHODS:
                await self.unavailable(scope)(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:  # refused unread
            await self.refuse(scope, int(length), limit)(scope, receive, send)
            return

        async def timed_receive() -> Message:
            try:
                return await asyncio.wait_for(receive(), timeout)
            except asyncio.TimeoutError:
                raise BodyReadTimeout(timeout) from None

        await RequestBodyLimitResponder(self.app, limit)(scope, timed_receive, send)
