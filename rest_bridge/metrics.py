"""The bridge's Prometheus metrics (GET /metrics): requests by route and status, latency, shed answers."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def route_templates(prefix: str, routers: Iterable[APIRouter]) -> list[str]:
    """Every route's full path template, e.g. "/galaxy-alpr/v1/images/{image_path:path}"."""
    return [prefix + str(getattr(route, "path", "")) for router in routers for route in router.routes]


def _matches(template: str, path: str) -> bool:
    head, brace, _ = template.partition("{")
    return path == template if not brace else path.startswith(head) and len(path) > len(head)


class BridgeMetrics:
    """http_requests_total, http_request_duration_seconds, bridge_shed_responses_total (429/503)."""

    def __init__(self, templates: Iterable[str] = ()) -> None:
        self.templates = sorted(templates, key=lambda t: "{" in t)  # fixed paths before patterns
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests", "REST requests answered", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "Time to answer a REST request",
                                 ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.shed = Counter("bridge_shed_responses", "Answers telling the client to retry later (429, 503)",
                            ["status"], registry=self.registry)

    async def middleware(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Count and time every request (the route template, never the raw path: bounded labels)."""
        start = time.perf_counter()
        response = await call_next(request)
        path = request.url.path
        template = next((t for t in self.templates if _matches(t, path)), "unmatched")
        self.requests.labels(request.method, template, str(response.status_code)).inc()
        self.latency.labels(request.method, template).observe(time.perf_counter() - start)
        if response.status_code in (429, 503):
            self.shed.labels(str(response.status_code)).inc()
        return response

    async def endpoint(self) -> Response:
        """The text exposition format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
