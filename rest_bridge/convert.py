"""Protobuf answers -> the documented JSON shapes (SEED_API.md).

Image results are not re-encoded here: the server sends each one's documented `data` as
`document_json` (the same document it saves under results/).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import types_pb2


def document(document_json: str) -> dict[str, Any]:
    """A stage's documented `data`, as the server encoded it (server/pipeline/result_document.py)."""
    data: dict[str, Any] = json.loads(document_json)
    return data


def uptime(seconds_: float) -> str:
    """Python's timedelta text, as documented ("2:30:45.123456")."""
    return str(timedelta(seconds=seconds_))


def configuration(c: types_pb2.ServiceConfig) -> dict[str, Any]:
    """GET /config's `configuration` (the seed's keys; no secrets exist in it)."""
    o = c.output
    return {
        "models": {"vehicle_detector": c.models.vehicle_detector, "plate_detector": c.models.plate_detector},
        "ocr": {"provider": c.ocr.provider, "model_name": c.ocr.model_name},
        "detection": {
            "vehicle_confidence_threshold": round(c.detection.vehicle_confidence_threshold, 4),
            "plate_confidence_threshold": round(c.detection.plate_confidence_threshold, 4),
            "vehicle_padding": c.detection.vehicle_padding,
            "plate_padding": c.detection.plate_padding,
        },
        "output": {
            "save_detected_images": o.save_detected_images,
            "uploaded_vehicle_image_dir": o.uploaded_vehicle_image_dir,
            "detected_vehicle_image_dir": o.detected_vehicle_image_dir,
            "cropped_vehicle_image_dir": o.cropped_vehicle_image_dir,
            "uploaded_plate_image_dir": o.uploaded_plate_image_dir,
            "detected_plate_image_dir": o.detected_plate_image_dir,
            "cropped_plate_image_dir": o.cropped_plate_image_dir,
            "results_dir": o.results_dir,
        },
        "image_formats": list(c.image_formats),
        "timezone": c.timezone,
    }


def statistics(s: pb.GetStatsResponse) -> dict[str, Any]:
    """GET /stats's `statistics`."""
    return {
        "system": {
            "uptime": uptime(s.uptime_seconds),
            "uptime_seconds": round(s.uptime_seconds, 6),
            "start_time": s.start_time,
            "current_time": s.current_time,
        },
        "models": {
            "vehicle_detector_loaded": s.vehicle_detector_loaded,
            "plate_detector_loaded": s.plate_detector_loaded,
            "gemini_api_configured": s.gemini_api_configured,
        },
        "configuration": {
            "vehicle_confidence_threshold": round(s.vehicle_confidence_threshold, 4),
            "plate_confidence_threshold": round(s.plate_confidence_threshold, 4),
            "supported_formats": list(s.supported_formats),
            "timezone": s.timezone,
        },
        "requests": {
            name: {"requests": c.requests, "errors": c.errors} for name, c in sorted(s.calls.items())
        },
        "images_processed": s.images_processed,
        "vehicles_detected": s.vehicles_detected,
        "plates_detected": s.plates_detected,
        "plates_read": s.plates_read,
        "errors": s.errors,
    }


def model_status(m: types_pb2.ModelStatus) -> dict[str, Any]:
    """One detector in /test/models; class keys as the documented "0.0" strings."""
    out: dict[str, Any] = {
        "status": m.status,
        "model_path": m.model_path,
        "classes": {f"{float(k)}": v for k, v in sorted(m.classes.items())},
        "execution_providers": list(m.execution_providers),
        "source": m.source,
    }
    if m.error:
        out["error"] = m.error
    return out


def ocr_status(o: types_pb2.OcrStatus, *, gemini: bool) -> dict[str, Any]:
    """An OCR provider in /test/models."""
    out: dict[str, Any] = {"status": o.status, "model_name": o.model_name}
    if gemini:
        out["api_key_configured"] = o.api_key_configured
    if o.error:
        out["error"] = o.error
    return out
