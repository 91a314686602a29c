"""Plate detection, OCR and recognition endpoints."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep, PlateFile, SceneFile, TimestampForm
from rest_bridge.routes.stage_call import single

router = APIRouter(prefix="/plate", tags=["plate"])


@router.post("/detect-plate", summary="License plate detection only")
async def detect_plate(client: ClientDep, limits: LimitsDep, file: SceneFile,
                       custom_timestamp: TimestampForm = "") -> dict[str, Any]:
    """Plates with boxes and confidences."""
    started = time.perf_counter()
    data = await single(client, "plates", file, limits, custom_timestamp=custom_timestamp)
    return success("Plate detection completed successfully", data, started, limits.tz)


@router.post("/ocr-plate", summary="OCR processing only (plate image)")
async def ocr_plate(client: ClientDep, limits: LimitsDep, file: PlateFile) -> dict[str, Any]:
    """The plate's text, date and colours, without region mapping."""
    started = time.perf_counter()
    data = await single(client, "ocr", file, limits)
    return success("Plate OCR completed successfully", data, started, limits.tz)


@router.post("/recognize-plate", summary="Complete plate recognition (OCR + regional mapping)")
async def recognize_plate(client: ClientDep, limits: LimitsDep, file: PlateFile) -> dict[str, Any]:
    """OCR plus Indonesian rules, region and type."""
    started = time.perf_counter()
    data = await single(client, "recognize", file, limits)
    return success("Plate recognition completed successfully", data, started, limits.tz)
