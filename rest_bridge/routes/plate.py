"""Plate detection, OCR and recognition endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from rest_bridge.routes.stage_call import add_image_route

router = APIRouter(prefix="/plate", tags=["plate"])

add_image_route(router, "/detect-plate", "plates", name="detect_plate", summary="License plate detection only",
                description="Plates with boxes and confidences.", message="Plate detection completed successfully")
add_image_route(router, "/ocr-plate", "ocr", name="ocr_plate", summary="OCR processing only (plate image)",
                description="The plate's text, date and colours, without region mapping.",
                message="Plate OCR completed successfully", scene=False)
add_image_route(router, "/recognize-plate", "recognize", name="recognize_plate",
                summary="Complete plate recognition (OCR + regional mapping)",
                description="OCR plus Indonesian rules, region and type.",
                message="Plate recognition completed successfully", scene=False)
