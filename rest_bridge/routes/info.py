"""Information, health and testing endpoints."""

from __future__ import annotations

from typing import Any

import grpc
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import types_pb2
from rest_bridge import convert, video_convert
from rest_bridge.errors import envelope
from rest_bridge.responses import now_iso
from rest_bridge.routes.deps import BackendDep, SettingsDep

router = APIRouter(tags=["information"])
SHORT_TIMEOUT_S = 5.0


@router.get("", summary="Root endpoint with API information")
async def root(backend: BackendDep, settings: SettingsDep) -> dict[str, Any]:
    """Service name, version and links."""
    info = await backend.stub.GetServiceInfo(pb.GetServiceInfoRequest(), timeout=SHORT_TIMEOUT_S)
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
async def health(backend: BackendDep, settings: SettingsDep) -> dict[str, Any] | JSONResponse:
    """healthy when every stage can run, degraded otherwise; 503 when the backend is unreachable."""
    try:
        h = await backend.stub.GetHealth(pb.GetHealthRequest(), timeout=SHORT_TIMEOUT_S)
    except grpc.aio.AioRpcError as exc:
        body = envelope(f"ALPR backend unavailable: {exc.details()}", settings.tz,
                        reason="BACKEND_UNAVAILABLE", status_code=503)
        body["status"] = "unavailable"
        return JSONResponse(status_code=503, content=body)
    return {
        "status": "healthy" if h.status == types_pb2.HEALTH_STATUS_HEALTHY else "degraded",
        "version": h.version,
        "uptime": convert.uptime(h.uptime_seconds),
        "models_loaded": dict(sorted(h.models_loaded.items())),
        "issues": list(h.issues),
        "cameras": await video_convert.cameras(backend.video, SHORT_TIMEOUT_S),
        "timestamp": h.timestamp,
    }


@router.get("/test/connection", summary="Test API connection")
async def test_connection(backend: BackendDep, settings: SettingsDep) -> dict[str, Any]:
    """The bridge answers; says whether the gRPC backend does too."""
    try:
        await backend.stub.GetServiceInfo(pb.GetServiceInfoRequest(), timeout=SHORT_TIMEOUT_S)
        backend_state = "connected"
    except grpc.aio.AioRpcError:
        backend_state = "unavailable"
    return {
        "status": "connected",
        "message": "Galaxy ALPR API is running",
        "backend": backend_state,
        "timestamp": now_iso(settings.tz),
    }


@router.get("/pipeline/info", summary="Detailed information about the ALPR pipeline")
async def pipeline_info(backend: BackendDep, settings: SettingsDep) -> dict[str, Any]:
    """Stages, models, execution providers and limits."""
    p = await backend.stub.GetPipelineInfo(pb.GetPipelineInfoRequest(), timeout=SHORT_TIMEOUT_S)
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
        "timestamp": now_iso(settings.tz),
    }
