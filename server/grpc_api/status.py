"""The one table from domain exceptions to gRPC status codes (and rich error details)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from galaxy.alpr.v1 import types_pb2
from server.errors import AlprError, OverloadedError, Reason

ERROR_DOMAIN = "galaxy-alpr"


def status_code(exc: BaseException) -> grpc.StatusCode:
    """The gRPC code for an exception: the AlprError's own, INTERNAL for anything else."""
    if isinstance(exc, AlprError):
        return grpc.StatusCode[exc.code]
    return grpc.StatusCode.INTERNAL


def public_message(exc: BaseException) -> str:
    """What a client may see: our messages verbatim, nothing internal for unexpected faults."""
    if isinstance(exc, AlprError):
        return exc.message
    return f"Internal server error ({type(exc).__name__})"


def reason(exc: BaseException) -> str:
    """ErrorInfo.reason for an exception."""
    return exc.reason if isinstance(exc, AlprError) else Reason.INTERNAL


def error_type(exc: BaseException) -> str:
    """The REST envelope's error_type: the exception class name."""
    return type(exc).__name__ if isinstance(exc, AlprError) else "InternalError"


def item_error(exc: BaseException) -> types_pb2.ItemError:
    """A per-image error message for a stream response."""
    return types_pb2.ItemError(
        code=status_code(exc).value[0],
        reason=reason(exc),
        message=public_message(exc),
        error_type=error_type(exc),
    )


def rich_status(exc: BaseException) -> grpc.Status:
    """A grpc.Status carrying google.rpc.Status with ErrorInfo{reason, domain}."""
    code = status_code(exc)
    info = error_details_pb2.ErrorInfo(
        reason=reason(exc), domain=ERROR_DOMAIN, metadata={"error_type": error_type(exc)}
    )
    detail = any_pb2.Any()
    detail.Pack(info)
    details = [detail]
    if isinstance(exc, OverloadedError):
        retry = any_pb2.Any()
        retry.Pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(
            seconds=int(exc.retry_after_s), nanos=int((exc.retry_after_s % 1) * 1e9))))
        details.append(retry)
    status = status_pb2.Status(
        code=getattr(code_pb2, code.name), message=public_message(exc), details=details
    )
    result: grpc.Status = rpc_status.to_status(status)
    if isinstance(exc, OverloadedError):
        return _WithMetadata(result.code, result.details,
                             (*result.trailing_metadata, (RETRY_AFTER_KEY, f"{exc.retry_after_s:g}")))
    return result


RETRY_AFTER_KEY = "retry-after"


class _WithMetadata(grpc.Status):
    """A grpc.Status with extra trailing metadata."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, Any], ...]) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata
