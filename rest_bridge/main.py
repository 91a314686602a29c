"""Assembles the FastAPI app (nothing else lives here) and runs it with uvicorn."""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from rest_bridge.backend import Backend
from rest_bridge.errors import envelope, install_error_handlers
from rest_bridge.routes import alpr, history, images, info, plate, system, vehicle, watchlist
from rest_bridge.settings import BridgeSettings, get_settings

API_PREFIX = "/galaxy-alpr/v1"
MULTIPART_OVERHEAD = 1024 * 1024


def create_app(settings: BridgeSettings | None = None) -> FastAPI:
    """The bridge app over one gRPC channel to settings.grpc_target."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backend = Backend(settings.grpc_target)
        try:
            yield
        finally:
            await app.state.backend.close()

    app = FastAPI(
        title="Galaxy ALPR Core API",
        description="Advanced AI-Powered Automatic License Plate Recognition System "
                    "(REST bridge over the Galaxy ALPR gRPC service)",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app, settings.tz)
    body_limit = settings.max_upload_bytes * settings.max_batch_files + MULTIPART_OVERHEAD

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > body_limit:
            return JSONResponse(status_code=413, content=envelope(
                f"Request body of {length} bytes is too large", settings.tz,
                reason="REQUEST_TOO_LARGE", status_code=413))
        return await call_next(request)

    app.include_router(info.router, prefix=API_PREFIX)
    app.include_router(system.router, prefix=API_PREFIX)
    app.include_router(alpr.router, prefix=API_PREFIX)
    app.include_router(vehicle.router, prefix=API_PREFIX)
    app.include_router(plate.router, prefix=API_PREFIX)
    app.include_router(images.router, prefix=API_PREFIX)
    app.include_router(history.router, prefix=API_PREFIX)
    app.include_router(watchlist.router, prefix=API_PREFIX)
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
