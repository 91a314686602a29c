"""The documented error envelope and the one table from gRPC codes to HTTP statuses.

Every status the bridge answers with goes through this table: the server's errors by their gRPC
code, the bridge's own (uploads, batch size, body size, backend down) by their reason's code in
the one vocabulary (server/errors.py, REASON_CODES).
"""

from __future__ import annotations

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

from galaxy.alpr.v1 import types_pb2
from server.errors import REASON_CODES, Reason, code_of

GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 413,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.INTERNAL: 500,
}
# Rate limiting is RESOURCE_EXHAUSTED too, but means "try later", not "too big".
REASON_TO_HTTP = {Reason.OCR_RATE_LIMITED: 429}
# Any other code (a proxy's CANCELLED, UNIMPLEMENTED, ...) is the bridge's failure to get an answer.
DEFAULT_HTTP = 500
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

    def __init__(self, reason: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status_code = status_code if status_code is not None else reason_status(reason)


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
        message = f"ALPR backend unavailable: {message}"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = "ALPR processing timed out"
    if not reason:
        reason = code.name if code.name in REASON_CODES else Reason.INTERNAL
    return ApiError(reason, message, status_code=http_status(code, reason))


def install_error_handlers(app: FastAPI) -> None:
    """Every error path answers with the documented envelope (timestamps in the server's timezone)."""

    def respond(request: Request, reason: str, message: str, status_code: int | None = None) -> JSONResponse:
        body = envelope(message, request.app.state.limits.tz, reason=reason, status_code=status_code)
        return JSONResponse(status_code=body["status_code"], content=body)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return respond(request, exc.reason, exc.message, exc.status_code)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def _rpc_error(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        api = from_rpc_error(exc)
        return respond(request, api.reason, api.message, api.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg', '')}"
            for err in exc.errors()
        )
        return respond(request, Reason.INVALID_REQUEST, f"Invalid request parameters: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own status (404 unknown route, 405 wrong method), not one of ours.
        return respond(request, Reason.HTTP_ERROR, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return respond(request, Reason.INTERNAL, f"Internal server error ({type(exc).__name__})")
