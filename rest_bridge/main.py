"""Assembles the FastAPI app (nothing else lives here) and runs it with uvicorn."""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from clients import AsyncAlprClient
from rest_bridge.errors import envelope, install_error_handlers
from rest_bridge.routes import alpr, history, images, info, plate, system, vehicle, watchlist
from rest_bridge.service_limits import ServiceLimits, learn_limits
from rest_bridge.settings import BridgeSettings, get_settings
from server import __version__
from server.errors import Reason

API_PREFIX = "/galaxy-alpr/v1"
CONSOLE_DIR = Path(__file__).resolve().parent / "console"
MULTIPART_OVERHEAD = 1024 * 1024


def create_app(settings: BridgeSettings | None = None) -> FastAPI:
    """The bridge app over one typed gRPC client of settings.grpc_target."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.client = AsyncAlprClient(settings.grpc_target, deadlines=settings.deadlines)
        limits: ServiceLimits = await learn_limits(app.state.client)
        app.state.limits = limits
        app.version = limits.version
        try:
            yield
        finally:
            await app.state.client.close()

    app = FastAPI(
        title="Galaxy ALPR Core API",
        description="Advanced AI-Powered Automatic License Plate Recognition System "
                    "(REST bridge over the Galaxy ALPR gRPC service)",
        version=__version__,
        lifespan=lifespan,
    )
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        limits: ServiceLimits = request.app.state.limits
        body_limit = limits.max_upload_bytes * limits.max_batch_files + MULTIPART_OVERHEAD
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > body_limit:
            body = envelope(f"Request body of {length} bytes is too large", limits.tz,
                            reason=Reason.REQUEST_TOO_LARGE)
            return JSONResponse(status_code=body["status_code"], content=body)
        return await call_next(request)

    app.include_router(info.router, prefix=API_PREFIX)
    app.include_router(system.router, prefix=API_PREFIX)
    app.include_router(alpr.router, prefix=API_PREFIX)
    app.include_router(vehicle.router, prefix=API_PREFIX)
    app.include_router(plate.router, prefix=API_PREFIX)
    app.include_router(images.router, prefix=API_PREFIX)
    app.include_router(history.router, prefix=API_PREFIX)
    app.include_router(watchlist.router, prefix=API_PREFIX)

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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = defaults.model_copy(update={"host": args.host, "port": args.port,
                                           "grpc_target": args.grpc_target})
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
