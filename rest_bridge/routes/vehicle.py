"""Vehicle detection endpoint."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from rest_bridge import convert
from rest_bridge.responses import success
from rest_bridge.routes.deps import BackendDep, SettingsDep
from rest_bridge.routes.stage_call import single

router = APIRouter(prefix="/vehicle", tags=["vehicle"])


@router.post("/detect-vehicle", summary="Vehicle detection only")
async def detect_vehicle(
    backend: BackendDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Image file (JPG, JPEG, PNG)")],
    custom_timestamp: Annotated[str, Form(description='"YYYY-MM-DD HH-MM-SS"')] = "",
) -> dict[str, Any]:
    """Vehicles (car, motorcycle, bus, truck) with boxes, classes and confidences."""
    started = time.perf_counter()
    response = await single(backend.stub.DetectVehicles, pb.DetectVehiclesRequest, file, settings,
                            custom_timestamp=custom_timestamp)
    return success("Vehicle detection completed successfully", convert.document(response.document_json), started,
                   settings.tz)
