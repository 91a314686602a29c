"""OpenTelemetry traces: bridge request -> server RPC -> each image -> each pipeline stage (off by default).

Tracing is on when an OTLP/HTTP endpoint is configured (`server.otlp_endpoint`, the bridge's
`otlp_endpoint`; `clients.telemetry.configure_tracing`): spans go through a batch processor to that
collector. Off, the OpenTelemetry API's no-op tracer makes every span below cost next to nothing.
The W3C `traceparent` travels from the REST request through the bridge's gRPC metadata into the
server, whose spans continue the same trace; the stage threads inherit it with the request id
(contextvars).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

TRACER_NAME = "galaxy_alpr"


def tracer() -> trace.Tracer:
    """The project's tracer from the current provider (no-op until one is configured)."""
    return trace.get_tracer(TRACER_NAME)


@contextmanager
def continued(metadata: Iterable[tuple[str, Any]] | None) -> Iterator[None]:
    """Run the block in the trace context a caller sent in its metadata (traceparent), if any."""
    carrier = {str(k).lower(): str(v) for k, v in metadata or () if isinstance(v, str)}
    token = otel_context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        otel_context.detach(token)

