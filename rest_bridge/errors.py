"""The documented error envelope and the one table from gRPC codes to HTTP statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 413,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNKNOWN: 500,
}
# Rate limiting is RESOURCE_EXHAUSTED too, but means "try later", not "too big".
REASON_TO_HTTP = {"OCR_RATE_LIMITED": 429}
ERROR_TYPE = "HTTPException"


def http_status(code: grpc.StatusCode | int, reason: str = "") -> int:
    """HTTP status for a gRPC code (enum or numeric value) and ErrorInfo reason."""
    if reason in REASON_TO_HTTP:
        return REASON_TO_HTTP[reason]
    if isinstance(code, int):
        code = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    return GRPC_TO_HTTP.get(code, 500)


class ApiError(Exception):
    """An error to answer with the documented envelope."""

    def __init__(self, status_code: int, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.reason = reason


def envelope(message: str, tz: ZoneInfo, *, reason: str = "", status_code: int) -> dict[str, Any]:
    """{success: false, error, error_type, timestamp} plus the machine-readable reason and status."""
    body: dict[str, Any] = {
        "success": False,
        "error": message,
        "error_type": ERROR_TYPE,
        "timestamp": datetime.now(tz).isoformat(),
        "status_code": status_code,
    }
    if reason:
        body["reason"] = reason
    return body


def from_rpc_error(exc: grpc.aio.AioRpcError) -> ApiError:
    """Map a failed gRPC call to an ApiError (reason taken from the rich status if present)."""
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

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
    return ApiError(http_status(code, reason), message, reason=reason or code.name)


def install_error_handlers(app: FastAPI, tz: ZoneInfo) -> None:
    """Every error path answers with the documented envelope."""

    def respond(status_code: int, message: str, reason: str = "") -> JSONResponse:
        return JSONResponse(status_code=status_code,
                            content=envelope(message, tz, reason=reason, status_code=status_code))

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return respond(exc.status_code, exc.message, exc.reason)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def _rpc_error(_: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        api = from_rpc_error(exc)
        return respond(api.status_code, api.message, api.reason)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg', '')}"
            for err in exc.errors()
        )
        return respond(400, f"Invalid request parameters: {problems}", "INVALID_REQUEST")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return respond(exc.status_code, str(exc.detail), "HTTP_ERROR")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return respond(500, f"Internal server error ({type(exc).__name__})", "INTERNAL")
