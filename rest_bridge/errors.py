"""The documented error envelope and the one table from gRPC codes to HTTP statuses.

Every status the bridge answers with goes through this table: the server's errors by their gRPC
code, the bridge's own (uploads, batch size, body size, backend down) by their reason's code in
the one vocabulary (server/errors.py, REASON_CODES).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from galaxy.alpr.v1 import types_pb2
from server.errors import REASON_CODES, Reason, code_of

log = logging.getLogger(__name__)

GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 413,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}
# Rate limiting and shedding are RESOURCE_EXHAUSTED too, but mean "try later", not "too big"
# (answered with Retry-After).
REASON_TO_HTTP = {Reason.OCR_RATE_LIMITED: 429, Reason.RATE_LIMITED: 429, Reason.OVERLOADED: 429}
# Any other code (a proxy's CANCELLED, UNIMPLEMENTED, ...) is the bridge's failure to get an answer.
DEFAULT_HTTP = 500
# Answers that mean "try again later" carry Retry-After (the server's hint when it sent one).
RETRY_REASONS: dict[str, float] = {Reason.OVERLOADED: 1.0, Reason.RATE_LIMITED: 1.0, Reason.OCR_RATE_LIMITED: 1.0,
                                   Reason.SHUTTING_DOWN: 1.0, Reason.BACKEND_UNAVAILABLE: 1.0}
ERROR_TYPE = "HTTPException"


def http_status(code: grpc.StatusCode | int | str, reason: str = "") -> int:
    """HTTP status for a gRPC code (enum, numeric value or name) and ErrorInfo reason."""
    if reason in REASON_TO_HTTP:
        return REASON_TO_HTTP[reason]
    if isinstance(code, str):
        code = grpc.StatusCode[code]
    elif isinstance(code, int):
        code = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    return GRPC_TO_HTTP.get(code, DEFAULT_HTTP)


def reason_status(reason: str) -> int:
    """HTTP status of one of the vocabulary's reasons (through its gRPC code)."""
    return http_status(code_of(reason), reason)


class ApiError(Exception):
    """An error to answer with the documented envelope; the status follows from the reason."""

    def __init__(self, reason: str, message: str, *, status_code: int | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status_code = status_code if status_code is not None else reason_status(reason)
        self.retry_after_s = retry_after_s if retry_after_s is not None else RETRY_REASONS.get(reason)


def envelope(message: str, tz: ZoneInfo, *, reason: str, status_code: int | None = None) -> dict[str, Any]:
    """{success: false, error, error_type, timestamp} plus the machine-readable reason and status."""
    return {
        "success": False,
        "error": message,
        "error_type": ERROR_TYPE,
        "timestamp": datetime.now(tz).isoformat(),
        "status_code": status_code if status_code is not None else reason_status(reason),
        "reason": reason,
    }


def item_error(error: types_pb2.ItemError) -> ApiError:
    """A per-image error of a stream response as the HTTP error."""
    return ApiError(error.reason, error.message, status_code=http_status(error.code, error.reason))


def from_rpc_error(exc: grpc.aio.AioRpcError) -> ApiError:
    """Map a failed gRPC call to an ApiError (reason taken from the rich status if present)."""
    reason = ""
    status = rpc_status.from_call(exc)
    if status is not None:
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                reason = info.reason
    code = exc.code()
    message = exc.details() or code.name
    if code == grpc.StatusCode.UNAVAILABLE and not reason:
        # No addresses or channel internals in answers: the details stay in the bridge's log.
        log.warning("gRPC backend unavailable: %s", message)
        message = "ALPR backend unavailable"
        reason = Reason.BACKEND_UNAVAILABLE
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = "ALPR processing timed out"
    if not reason:
        reason = code.name if code.name in REASON_CODES else Reason.INTERNAL
    retry_after: float | None = None
    for key, value in exc.trailing_metadata() or ():
        if key == "retry-after":
            retry_after = float(value)
    return ApiError(reason, message, status_code=http_status(code, reason), retry_after_s=retry_after)


def install_error_handlers(app: FastAPI) -> None:
    """Every error path answers with the documented envelope (timestamps in the server's timezone)."""

    def respond(request: Request, reason: str, message: str, status_code: int | None = None,
                retry_after_s: float | None = None) -> JSONResponse:
        body = envelope(message, request.app.state.limits.tz, reason=reason, status_code=status_code)  # LearnedLimits
        headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))} if retry_after_s is not None else None
        return JSONResponse(status_code=body["status_code"], content=body, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return respond(request, exc.reason, exc.message, exc.status_code, exc.retry_after_s)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def _rpc_error(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        api = from_rpc_error(exc)
        return respond(request, api.reason, api.message, api.status_code, api.retry_after_s)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg', '')}"
            for err in exc.errors()
        )
        return respond(request, Reason.INVALID_REQUEST, f"Invalid request parameters: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own status (404 unknown route, 405 wrong method, 413 from the streaming body
        # limit, 408 from the body read timeout), not one of ours.
        if exc.status_code == 413:
            limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
            return respond(request, Reason.REQUEST_TOO_LARGE,
                           f"Request body is larger than the maximum of {limit} bytes", 413)
        if exc.status_code == 408:
            return respond(request, Reason.REQUEST_TIMEOUT, str(exc.detail), 408)
        return respond(request, Reason.HTTP_ERROR, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return respond(request, Reason.INTERNAL, f"Internal server error ({type(exc).__name__})")
