"""One id per REST request, end to end: taken from the client's X-Request-ID (when it is a sane token)
or made here, echoed in the answer's X-Request-ID, sent to the gRPC server as x-request-id metadata,
and written on the bridge's and the server's log lines as request_id=..."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

from clients.channel import CALLER_REQUEST_ID
from clients.request_ids import REQUEST_ID

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


async def request_id_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Set the request's id for everything that runs on its behalf; echo it."""
    offered = request.headers.get(HEADER, "")
    request_id = offered if _SANE.fullmatch(offered) else uuid.uuid4().hex
    caller, logged = CALLER_REQUEST_ID.set(request_id), REQUEST_ID.set(request_id)
    try:
        response = await call_next(request)
    finally:
        CALLER_REQUEST_ID.reset(caller)
        REQUEST_ID.reset(logged)
    response.headers[HEADER] = request_id
    return response
