"""System management and model testing endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rest_bridge import convert, video_convert
from rest_bridge.responses import now_iso
from rest_bridge.routes.deps import ClientDep, LimitsDep, VideoDep

router = APIRouter(tags=["system"])


@router.get("/config", summary="Current system configuration")
async def config(client: ClientDep) -> dict[str, Any]:
    """The effective configuration (never any secret)."""
    c = await client.config()
    return {"success": True, "configuration": convert.configuration(c.config), "timestamp": c.timestamp}


@router.get("/stats", summary="System statistics and status")
async def stats(client: ClientDep, video: VideoDep) -> dict[str, Any]:
    """Uptime, counters per endpoint, images, plates, errors; each configured camera's state."""
    s = await client.stats()
    statistics = convert.statistics(s)
    statistics.update(await video_convert.cameras(video))
    return {"success": True, "statistics": statistics, "timestamp": s.current_time}


@router.get("/test/models", summary="Test model loading and availability")
async def test_models(client: ClientDep, limits: LimitsDep) -> dict[str, Any]:
    """Each model's status; classes read from the ONNX metadata."""
    t = await client.test_models()
    return {
        "success": t.success,
        "models": {
            "vehicle_detector": convert.model_status(t.vehicle_detector),
            "plate_detector": convert.model_status(t.plate_detector),
            "gemini_ocr": convert.ocr_status(t.gemini_ocr, gemini=True),
            "local_ocr": convert.ocr_status(t.local_ocr, gemini=False),
        },
        "timestamp": t.timestamp or now_iso(limits.tz),
    }
