"""One server interceptor that turns exceptions from unary and server-streaming handlers into statuses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from opentelemetry.trace import SpanKind

from clients.request_ids import REQUEST_ID, from_metadata
from server.errors import AlprError
from server.grpc_api.admission import Admission
from server.grpc_api.status import rich_status
from server.pipeline.stats import Stats
from server.telemetry.tracing import continued, tracer

log = logging.getLogger(__name__)


def _abort(context: grpc.ServicerContext, exc: Exception, method: str) -> None:
    if isinstance(exc, AlprError):
        log.info("%s: %s", method, exc.message)
    else:
        log.exception("%s failed", method)
    context.abort_with_status(rich_status(exc))


def _already_aborted(context: grpc.ServicerContext) -> bool:
    code = getattr(context, "code", lambda: None)()
    return code not in (None, grpc.StatusCode.OK)


def _with_request_id(handler: Any, request_id: str, metadata: Any = (), method: str = "") -> Any:
    """The same handler, run with REQUEST_ID set and inside a span of the caller's trace (for unary and
    streaming behaviours alike)."""
    span_name = method.rsplit("/", 1)[-1] or "rpc"

    def unary(inner: Any) -> Any:
        def run(request: Any, context: grpc.ServicerContext) -> Any:
            token = REQUEST_ID.set(request_id or "-")
            try:
                with continued(metadata), tracer().start_as_current_span(span_name, kind=SpanKind.SERVER):
                    return inner(request, context)
            finally:
                REQUEST_ID.reset(token)
        return run

    def streaming(inner: Any) -> Any:
        def run(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            token = REQUEST_ID.set(request_id or "-")
            try:
                with continued(metadata), tracer().start_as_current_span(span_name, kind=SpanKind.SERVER):
                    yield from inner(request, context)
            finally:
                REQUEST_ID.reset(token)
        return run

    if handler.unary_unary is not None:
        return handler._replace(unary_unary=unary(handler.unary_unary))
    if handler.unary_stream is not None:
        return handler._replace(unary_stream=streaming(handler.unary_stream))
    if handler.stream_stream is not None:
        return handler._replace(stream_stream=streaming(handler.stream_stream))
    return handler


class ErrorInterceptor(grpc.ServerInterceptor):
    """Maps AlprError (and unexpected faults, as INTERNAL) to rich gRPC statuses; counts unary calls.

    Streaming stages count their own images (one request per image) in the data plane's Stats.
    """

    def __init__(self, stats: Stats | None = None, admission: Admission | None = None) -> None:
        self._stats = stats
        self._admission = admission

    def _count(self, method: str, *, error: bool) -> None:
        if self._stats is not None:
            self._stats.record_call(method.rsplit("/", 1)[-1], error=error)

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        """Wrap the unary-response and server-streaming behaviours of every handler."""
        handler = continuation(details)
        if handler is None:
            return None
        method = details.method
        request_id = from_metadata(details.invocation_metadata)
        handler = _with_request_id(handler, request_id, details.invocation_metadata, method)
        if handler.unary_unary is not None:
            inner_uu = handler.unary_unary

            def unary_unary(request: Any, context: grpc.ServicerContext) -> Any:
                try:
                    response = inner_uu(request, context)
                except Exception as exc:
                    self._count(method, error=True)
                    if _already_aborted(context):
                        raise
                    _abort(context, exc, method)
                    raise
                self._count(method, error=False)
                return response

            return handler._replace(unary_unary=unary_unary)
        if handler.unary_stream is not None:
            inner_us = handler.unary_stream

            def unary_stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                try:
                    yield from inner_us(request, context)
                except Exception as exc:
                    self._count(method, error=True)
                    if _already_aborted(context):
                        raise
                    _abort(context, exc, method)
                    raise
                self._count(method, error=False)

            return handler._replace(unary_stream=unary_stream)
        if handler.stream_stream is not None:
            inner_ss = handler.stream_stream

            admission = self._admission

            def stream_stream(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
                admitted = False
                try:
                    if admission is not None:
                        admission.enter_stream()  # refused at once when max_workers streams are open
                        admitted = True
                    yield from inner_ss(requests, context)
                except Exception as exc:
                    if _already_aborted(context):
                        raise
                    _abort(context, exc, method)
                    raise
                finally:
                    if admitted and admission is not None:
                        admission.leave_stream()

            return handler._replace(stream_stream=stream_stream)
        return handler
