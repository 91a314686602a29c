"""Plate detection, OCR and recognition endpoints."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from rest_bridge import convert
from rest_bridge.responses import success
from rest_bridge.routes.deps import BackendDep, SettingsDep
from rest_bridge.routes.stage_call import single

router = APIRouter(prefix="/plate", tags=["plate"])


@router.post("/detect-plate", summary="License plate detection only")
async def detect_plate(
    backend: BackendDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Image file (JPG, JPEG, PNG)")],
    custom_timestamp: Annotated[str, Form(description='"YYYY-MM-DD HH-MM-SS"')] = "",
) -> dict[str, Any]:
    """Plates with boxes and confidences."""
    started = time.perf_counter()
    response = await single(backend.stub.DetectPlates, pb.DetectPlatesRequest, file, settings,
                            custom_timestamp=custom_timestamp)
    return success("Plate detection completed successfully", convert.document(response.document_json), started,
                   settings.tz)


@router.post("/ocr-plate", summary="OCR processing only (plate image)")
async def ocr_plate(
    backend: BackendDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Plate image file")],
) -> dict[str, Any]:
    """The plate's text, date and colours, without region mapping."""
    started = time.perf_counter()
    response = await single(backend.stub.OcrPlates, pb.OcrPlatesRequest, file, settings)
    return success("Plate OCR completed successfully", convert.document(response.document_json), started, settings.tz)


@router.post("/recognize-plate", summary="Complete plate recognition (OCR + regional mapping)")
async def recognize_plate(
    backend: BackendDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Plate image file")],
) -> dict[str, Any]:
    """OCR plus Indonesian rules, region and type."""
    started = time.perf_counter()
    response = await single(backend.stub.RecognizePlates, pb.RecognizePlatesRequest, file, settings)
    return success("Plate recognition completed successfully", convert.document(response.document_json), started,
                   settings.tz)
