"""Vehicle detection endpoint."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep, SceneFile, TimestampForm
from rest_bridge.routes.stage_call import single

router = APIRouter(prefix="/vehicle", tags=["vehicle"])


@router.post("/detect-vehicle", summary="Vehicle detection only")
async def detect_vehicle(client: ClientDep, limits: LimitsDep, file: SceneFile,
                         custom_timestamp: TimestampForm = "") -> dict[str, Any]:
    """Vehicles (car, motorcycle, bus, truck) with boxes, classes and confidences."""
    started = time.perf_counter()
    data = await single(client, "vehicles", file, limits, custom_timestamp=custom_timestamp)
    return success("Vehicle detection completed successfully", data, started, limits.tz)
