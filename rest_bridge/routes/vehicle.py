"""Vehicle detection endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from rest_bridge.routes.stage_call import add_image_route

router = APIRouter(prefix="/vehicle", tags=["vehicle"])

add_image_route(router, "/detect-vehicle", "vehicles", name="detect_vehicle", summary="Vehicle detection only",
                description="Vehicles (car, motorcycle, bus, truck) with boxes, classes and confidences.",
                message="Vehicle detection completed successfully")
