"""Assembles the FastAPI app (nothing else lives here) and runs it with uvicorn."""

from __future__ import annotations

import argparse
import logging
import math
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import uvicorn
from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from clients import AsyncAlprClient, AsyncVideoClient, request_ids
from clients.telemetry import configure_tracing
from rest_bridge.access import RateLimiter, access_middleware, inflight_limit, safe_headers
from rest_bridge.body_limits import StreamingBodyLimit
from rest_bridge.docs import install_offline_docs
from rest_bridge.errors import RETRY_REASONS, envelope, install_error_handlers
from rest_bridge.http_protocol import EnvelopeH11Protocol, HeaderLimit
from rest_bridge.metrics import BridgeMetrics, route_templates
from rest_bridge.request_ids import request_id_middleware
from rest_bridge.routes import alpr, events, history, images, info, plate, system, vehicle, video, watchlist
from rest_bridge.service_limits import UNKNOWN_TZ, LearnedLimits
from rest_bridge.settings import BridgeSettings, get_settings
from rest_bridge.tracing import tracing_middleware
from server import __version__
from server.errors import Reason

API_PREFIX = "/galaxy-alpr/v1"
CONSOLE_DIR = Path(__file__).resolve().parent / "console"
MULTIPART_OVERHEAD = 1024 * 1024


log = logging.getLogger(__name__)


def _grpc_credentials(settings: BridgeSettings) -> grpc.ChannelCredentials | None:
    if not settings.grpc_tls_ca_file:
        return None
    with open(settings.grpc_tls_ca_file, "rb") as ca:
        return grpc.ssl_channel_credentials(root_certificates=ca.read())


def create_app(settings: BridgeSettings | None = None) -> FastAPI:
    """The bridge app over one typed gRPC client of settings.grpc_target."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        credentials = _grpc_credentials(settings)
        api_key = settings.grpc_api_key.get_secret_value()
        app.state.client = AsyncAlprClient(settings.grpc_target, deadlines=settings.deadlines,
                                           api_key=api_key, credentials=credentials)
        app.state.video = AsyncVideoClient(settings.grpc_target, video_deadline_s=settings.video_deadline_s,
                                           unary_deadline_s=settings.unary_deadline_s, api_key=api_key,
                                           credentials=credentials)
        app.state.limits = LearnedLimits(app.state.client)
        limits = await app.state.limits.learn()
        if limits is not None:
            app.version = limits.version
        try:
            yield
        finally:
            await app.state.client.close()
            await app.state.video.close()

    app = FastAPI(
        title="Galaxy ALPR Core API",
        description="Advanced AI-Powered Automatic License Plate Recognition System "
                    "(REST bridge over the Galaxy ALPR gRPC service)",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_offline_docs(app)
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)

    async def body_limit(scope: Scope) -> int | None:
        learned: LearnedLimits = scope["app"].state.limits
        limits = await learned.learn()
        if limits is None:
            return None
        if str(scope.get("path", "")).startswith(f"{API_PREFIX}/video/"):
            return limits.max_video_bytes + MULTIPART_OVERHEAD
        return limits.max_upload_bytes * limits.max_batch_files + MULTIPART_OVERHEAD

    def refuse(scope: Scope, length: int, limit: int) -> Response:
        learned: LearnedLimits = scope["app"].state.limits
        body = envelope(f"Request body of {length} bytes is too large (at most {limit} bytes)", learned.tz,
                        reason=Reason.REQUEST_TOO_LARGE)
        return JSONResponse(status_code=body["status_code"], content=body)

    def unavailable(scope: Scope) -> Response:
        body = envelope("ALPR backend unavailable", UNKNOWN_TZ, reason=Reason.BACKEND_UNAVAILABLE)
        retry = str(max(1, math.ceil(RETRY_REASONS[Reason.BACKEND_UNAVAILABLE])))
        return JSONResponse(status_code=body["status_code"], content=body, headers={"Retry-After": retry})

    # Bodies are counted while they stream in: a chunked upload is cut off at the limit (413).
    app.add_middleware(StreamingBodyLimit, limit_of=body_limit, body_timeout_s=settings.body_timeout_s,
                       refuse=refuse, unavailable=unavailable)

    # Outermost last: CORS answers preflights before the key check; metrics see every answer.
    app.middleware("http")(safe_headers)
    keys = settings.api_key_values
    if not keys:
        log.warning("REST API is open: no API keys configured (set GALAXY_ALPR_BRIDGE__API_KEYS)")
    limiter = RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute else None
    if settings.max_inflight_requests:
        app.middleware("http")(inflight_limit(settings.max_inflight_requests))
    app.middleware("http")(access_middleware(keys, limiter))
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["X-API-Key", "Authorization", "Content-Type"], max_age=600)
    routers = (info.router, system.router, alpr.router, vehicle.router, plate.router, images.router, video.router,
               events.router, history.router, watchlist.router)
    metrics = BridgeMetrics(["/metrics", *route_templates(API_PREFIX, routers)])
    app.state.metrics = metrics
    app.middleware("http")(metrics.middleware)
    app.middleware("http")(tracing_middleware)  # a span per request; its context rides on the gRPC calls
    app.middleware("http")(request_id_middleware)  # every log line of a request has its id
    app.add_middleware(HeaderLimit, limit=settings.max_header_bytes)  # outermost: before any other work
    app.add_api_route("/metrics", metrics.endpoint, methods=["GET"], include_in_schema=False)

    for router in routers:
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/console", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse("/console/")

    # The web console: static pages calling the API above (README, "Web console").
    app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")
    return app


def main(argv: list[str] | None = None) -> None:
    """Run the bridge: galaxy-alpr-bridge [--host H] [--port P] [--grpc-target T]."""
    parser = argparse.ArgumentParser(description="Galaxy ALPR REST bridge")
    defaults = get_settings()
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--grpc-target", default=defaults.grpc_target)
    args = parser.parse_args(argv)
    settings = defaults.model_copy(update={"host": args.host, "port": args.port,
                                           "grpc_target": args.grpc_target})
    request_ids.configure_logging(settings.log_format, socket.gethostname())
    configure_tracing(settings.otlp_endpoint, "galaxy-alpr-bridge", socket.gethostname())
    # log_config=None: uvicorn's own loggers go through the root handler above (text or JSON lines).
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info", log_config=None,
                http=EnvelopeH11Protocol, h11_max_incomplete_event_size=settings.max_header_bytes,
                ssl_certfile=settings.tls_cert_file or None, ssl_keyfile=settings.tls_key_file or None)


if __name__ == "__main__":
    main()
