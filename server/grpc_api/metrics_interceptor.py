"""Times and counts every RPC by method and final status code (the standard grpc_server_* metrics)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from server.grpc_api.status import status_code
from server.telemetry.metrics import ServerMetrics


def _final_code(context: grpc.ServicerContext, exc: BaseException | None) -> str:
    code = getattr(context, "code", lambda: None)()
    if isinstance(code, grpc.StatusCode) and code != grpc.StatusCode.OK:
        return code.name
    if exc is not None:
        return status_code(exc).name
    return grpc.StatusCode.OK.name


class MetricsInterceptor(grpc.ServerInterceptor):
    """Outermost interceptor: sees every RPC, including those refused by admission control."""

    def __init__(self, metrics: ServerMetrics) -> None:
        self._metrics = metrics

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        """Wrap each handler kind with start/finish accounting."""
        handler = continuation(details)
        if handler is None:
            return None
        method, metrics = details.method, self._metrics
        if handler.unary_unary is not None:
            inner_uu = handler.unary_unary

            def unary_unary(request: Any, context: grpc.ServicerContext) -> Any:
                metrics.rpc_started("unary", method)
                start, error = time.perf_counter(), None
                try:
                    return inner_uu(request, context)
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    metrics.rpc_handled("unary", method, _final_code(context, error), time.perf_counter() - start)

            return handler._replace(unary_unary=unary_unary)

        def streaming(kind: str, inner: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
            def wrapped(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                metrics.rpc_started(kind, method)
                start, error = time.perf_counter(), None
                try:
                    yield from inner(request, context)
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    metrics.rpc_handled(kind, method, _final_code(context, error), time.perf_counter() - start)
            return wrapped

        if handler.unary_stream is not None:
            return handler._replace(unary_stream=streaming("server_stream", handler.unary_stream))
        if handler.stream_stream is not None:
            return handler._replace(stream_stream=streaming("bidi_stream", handler.stream_stream))
        return handler
