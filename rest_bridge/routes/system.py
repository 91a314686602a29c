"""System management and model testing endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from rest_bridge import convert, video_convert
from rest_bridge.responses import now_iso
from rest_bridge.routes.deps import BackendDep, SettingsDep

router = APIRouter(tags=["system"])
TIMEOUT_S = 5.0


@router.get("/config", summary="Current system configuration")
async def config(backend: BackendDep) -> dict[str, Any]:
    """The effective configuration (never any secret)."""
    c = await backend.stub.GetConfig(pb.GetConfigRequest(), timeout=TIMEOUT_S)
    return {"success": True, "configuration": convert.configuration(c.config), "timestamp": c.timestamp}


@router.get("/stats", summary="System statistics and status")
async def stats(backend: BackendDep) -> dict[str, Any]:
    """Uptime, counters per endpoint, images, plates, errors."""
    s = await backend.stub.GetStats(pb.GetStatsRequest(), timeout=TIMEOUT_S)
    statistics = convert.statistics(s)
    statistics["cameras"] = await video_convert.cameras(backend.video, TIMEOUT_S)
    return {"success": True, "statistics": statistics, "timestamp": s.current_time}


@router.get("/test/models", summary="Test model loading and availability")
async def test_models(backend: BackendDep, settings: SettingsDep) -> dict[str, Any]:
    """Each model's status; classes read from the ONNX metadata."""
    t = await backend.stub.TestModels(pb.TestModelsRequest(), timeout=TIMEOUT_S)
    return {
        "success": t.success,
        "models": {
            "vehicle_detector": convert.model_status(t.vehicle_detector),
            "plate_detector": convert.model_status(t.plate_detector),
            "gemini_ocr": convert.ocr_status(t.gemini_ocr, gemini=True),
            "local_ocr": convert.ocr_status(t.local_ocr, gemini=False),
        },
        "timestamp": t.timestamp or now_iso(settings.tz),
    }
