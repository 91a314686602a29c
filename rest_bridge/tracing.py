"""A span per REST request, continued by the server: the trace context rides on the bridge's gRPC calls.

The span continues a `traceparent` the REST client sent (if any); its context is put in
`clients.channel.CALLER_METADATA`, so every gRPC call made for the request carries it and the server's
spans (RPC, image, stages) join the same trace. A no-op unless tracing is configured (`otlp_endpoint`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from clients.channel import CALLER_METADATA

TRACER_NAME = "galaxy_alpr.bridge"


async def tracing_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Run the request inside a server span; hand its context to the gRPC calls."""
    route = request.scope.get("route")
    name = f"{request.method} {getattr(route, 'path', request.url.path)}"
    parent = propagate.extract(dict(request.headers))
    with trace.get_tracer(TRACER_NAME).start_as_current_span(name, context=parent, kind=SpanKind.SERVER) as span:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        token = CALLER_METADATA.set(tuple(carrier.items()))
        try:
            response = await call_next(request)
        finally:
            CALLER_METADATA.reset(token)
        span.set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 500:
            span.set_status(Status(StatusCode.ERROR))
        return response
