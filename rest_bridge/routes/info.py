"""Information, health and testing endpoints."""

from __future__ import annotations

import logging
from typing import Any

import grpc
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from galaxy.alpr.v1 import types_pb2
from rest_bridge import convert, video_convert
from rest_bridge.errors import envelope
from rest_bridge.responses import now_iso
from rest_bridge.routes.deps import ClientDep, LearnedDep, LimitsDep, VideoDep
from server.errors import Reason

log = logging.getLogger(__name__)
router = APIRouter(tags=["information"])


@router.get("", summary="Root endpoint with API information")
async def root(client: ClientDep) -> dict[str, Any]:
    """Service name, version and links."""
    info = await client.service_info()
    return {
        "message": info.name,
        "description": info.description,
        "version": info.version,
        "developer": info.developer,
        "year": info.year,
        "documentation": "/docs",
        "health": "/galaxy-alpr/v1/health",
        "pipeline_info": "/galaxy-alpr/v1/pipeline/info",
    }


@router.get("/health", summary="Health check", response_model=None)
async def health(client: ClientDep, limits: LearnedDep, video: VideoDep) -> dict[str, Any] | JSONResponse:
    """healthy when every stage can run, degraded otherwise; 503 when the backend is unreachable."""
    try:
        h = await client.health()
    except grpc.aio.AioRpcError as exc:
        log.warning("health: gRPC backend unavailable: %s", exc.details())
        body = envelope("ALPR backend unavailable", limits.tz, reason=Reason.BACKEND_UNAVAILABLE)
        body["status"] = "unavailable"
        return JSONResponse(status_code=body["status_code"], content=body)
    return {
        "status": "healthy" if h.status == types_pb2.HEALTH_STATUS_HEALTHY else "degraded",
        "version": h.version,
        "uptime": convert.uptime(h.uptime_seconds),
        "models_loaded": dict(sorted(h.models_loaded.items())),
        "issues": list(h.issues),
        **await video_convert.cameras(video),
        "timestamp": h.timestamp,
    }


@router.get("/test/connection", summary="Test API connection")
async def test_connection(client: ClientDep, limits: LearnedDep) -> dict[str, Any]:
    """The bridge answers; says whether the gRPC backend does too."""
    try:
        await client.service_info()
        backend_state = "connected"
    except grpc.aio.AioRpcError:
        backend_state = "unavailable"
    return {
        "status": "connected",
        "message": "Galaxy ALPR API is running",
        "backend": backend_state,
        "timestamp": now_iso(limits.tz),
    }


@router.get("/pipeline/info", summary="Detailed information about the ALPR pipeline")
async def pipeline_info(client: ClientDep, limits: LimitsDep) -> dict[str, Any]:
    """Stages, models, execution providers and limits."""
    p = await client.pipeline_info()
    return {
        "success": True,
        "pipeline_info": {
            "pipeline_name": p.pipeline_name,
            "version": p.version,
            "stages": [
                {"name": s.name, "model": s.model, "model_source": s.model_source,
                 "classes": list(s.classes), "description": s.description}
                for s in p.stages
            ],
            "execution_providers": list(p.execution_providers),
            "ocr_provider": p.ocr_provider,
            "pairing_method": p.pairing_method,
            "supported_formats": list(p.supported_formats),
            "max_image_size_bytes": p.max_image_bytes,
            "min_image_resolution": [p.min_scene_width, p.min_scene_height],
            "max_batch_images": p.max_batch_images,
        },
        "timestamp": now_iso(limits.tz),
    }
