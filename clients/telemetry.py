"""Where the server's and the bridge's trace spans go: an OTLP/HTTP collector, when one is configured.

OpenTelemetry is imported only when tracing is turned on, so the client distribution does not need it.
"""

from __future__ import annotations


def configure_tracing(endpoint: str, service_name: str, instance: str) -> bool:
    """Export spans to the OTLP/HTTP collector at `endpoint` (e.g. http://otel-collector:4318/v1/traces)
    through a batch processor; False (nothing done) when the endpoint is empty."""
    if not endpoint:
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name,
                                                        "service.instance.id": instance}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    return True
