"""Request headers over `max_header_bytes` get 431 in the envelope, however they arrive.

Two places see them: h11 stops reading a header section that is still incomplete past
`h11_max_incomplete_event_size` (uvicorn is given max_header_bytes) and says so with
`error_status_hint` 431, which uvicorn answers with a plain-text 400: `EnvelopeH11Protocol` remembers the
hint and answers 431 with the documented JSON envelope (reason HEADERS_TOO_LARGE) instead, then closes
the connection as uvicorn does. A header section that arrives whole is parsed by h11 at any size:
`header_limit`, an ASGI middleware, measures it and answers the same 431.
"""

from __future__ import annotations

import json
from typing import Any

import h11
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from rest_bridge.errors import envelope
from rest_bridge.service_limits import UNKNOWN_TZ
from server.errors import Reason

HEADERS_TOO_LARGE = 431


def too_large(limit: int) -> dict[str, Any]:
    """The 431 envelope."""
    return envelope(f"Request headers are too large (at most {limit} bytes)", UNKNOWN_TZ,
                    reason=Reason.HEADERS_TOO_LARGE, status_code=HEADERS_TOO_LARGE)


def header_bytes(scope: Scope) -> int:
    """The size of a request's header section as it came on the wire (request line + headers)."""
    line = len(scope.get("method", "")) + len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) + 12
    return line + sum(len(name) + len(value) + 4 for name, value in scope.get("headers", []))


class HeaderLimit:
    """ASGI middleware: 431 + envelope for a request whose header section is over `limit` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and header_bytes(scope) > self.limit:
            await JSONResponse(status_code=HEADERS_TOO_LARGE, content=too_large(self.limit),
                               headers={"Connection": "close"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


class EnvelopeH11Protocol(H11Protocol):
    """H11Protocol answering over-large headers with 431 + the error envelope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._status_hint = 400
        self.conn = self._watched(self.conn)

    def _watched(self, conn: h11.Connection) -> h11.Connection:
        receive = conn.next_event

        def next_event() -> Any:
            try:
                return receive()
            except h11.RemoteProtocolError as exc:
                self._status_hint = exc.error_status_hint
                raise

        conn.next_event = next_event  # type: ignore[method-assign]
        return conn

    def send_400_response(self, msg: str) -> None:
        """431 + the envelope for over-large headers; uvicorn's plain 400 for every other protocol error."""
        if self._status_hint != HEADERS_TOO_LARGE:
            super().send_400_response(msg)
            return
        data = json.dumps(too_large(self.conn._max_incomplete_event_size)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                   (b"connection", b"close")]
        for event in (h11.Response(status_code=HEADERS_TOO_LARGE, headers=headers,
                                   reason=b"Request Header Fields Too Large"),
                      h11.Data(data=data), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()
