"""Protobuf answers -> the documented JSON shapes (SEED_API.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import types_pb2

_DETECTION_TYPES = {
    types_pb2.DETECTION_TYPE_VEHICLE_WITH_PLATE: "vehicle_with_plate",
    types_pb2.DETECTION_TYPE_VEHICLE_WITHOUT_PLATE: "vehicle_without_plate",
    types_pb2.DETECTION_TYPE_PLATE_WITHOUT_VEHICLE: "plate_without_vehicle",
}


def ms(value: float) -> int:
    """Documented millisecond fields are integers."""
    return round(value)


def seconds(value_ms: float) -> float:
    """Documented *_processing_time fields are seconds."""
    return round(value_ms / 1000.0, 4)


def uptime(seconds_: float) -> str:
    """Python's timedelta text, as documented ("2:30:45.123456")."""
    return str(timedelta(seconds=seconds_))


def box(b: types_pb2.BoundingBox) -> list[int]:
    """[x1, y1, x2, y2]."""
    return [b.x1, b.y1, b.x2, b.y2]


def reading(r: types_pb2.PlateReading, *, with_region: bool = True) -> dict[str, Any]:
    """The documented plate fields (region fields only for recognition)."""
    out: dict[str, Any] = {
        "plate_number": r.plate_number,
        "plate_date": r.plate_date,
        "plate_text_color": r.plate_text_color,
        "plate_background_color": r.plate_background_color,
        "plate_icon": r.plate_icon,
        "plate_icon_color": r.plate_icon_color,
        "plate_blue_strip": "yes" if r.plate_blue_strip else "no",
        "plate_type": r.plate_type,
        "confidence_score": round(r.confidence_score, 4),
    }
    if with_region:
        out["plate_region_code"] = r.plate_region_code
        out["plate_region_name"] = r.plate_region_name
        out["plate_region_area"] = r.plate_region_area
    out["raw_text"] = r.raw_text
    out["ocr_provider"] = r.ocr_provider
    out["candidates"] = [{"plate_number": c.plate_number, "confidence": round(c.confidence, 4)}
                         for c in r.candidates]
    out["character_confidences"] = [round(c, 4) for c in r.character_confidences]
    return out


def _detection(d: types_pb2.PairedDetection) -> dict[str, Any]:
    vehicle = None
    if d.HasField("vehicle"):
        v = d.vehicle
        vehicle = {
            "vehicle_index": v.vehicle_index,
            "vehicle_class": v.vehicle_class,
            "vehicle_confidence_score": round(v.confidence, 4),
            "vehicle_bounding_box": box(v.box),
            "vehicle_image_path": v.image_path,
        }
    plate = None
    if d.HasField("plate"):
        p = d.plate
        plate = {
            "plate_index": p.plate_index,
            "plate_class": p.plate_class,
            "plate_confidence_score": round(p.confidence, 4),
            "plate_bounding_box": box(p.box),
            "plate_image_path": p.image_path,
            **reading(d.reading),
        }
    return {
        "detection_id": d.detection_id,
        "detection_type": _DETECTION_TYPES.get(d.detection_type, "unknown"),
        "pairing_method": d.pairing_method,
        "pairing_confidence": round(d.pairing_confidence, 4),
        "vehicle": vehicle,
        "plate": plate,
    }


def summary(s: types_pb2.DetectionSummary) -> dict[str, int]:
    """The documented summary counts."""
    return {
        "total_detections": s.total_detections,
        "vehicles_with_plates": s.vehicles_with_plates,
        "vehicles_without_plates": s.vehicles_without_plates,
        "plates_without_vehicles": s.plates_without_vehicles,
    }


def pipeline_result(r: types_pb2.PipelineResult) -> dict[str, Any]:
    """process-single-image's `data`."""
    t = r.processing_time
    return {
        "timestamp": r.timestamp,
        "uploaded_image_path": r.uploaded_image_path,
        "detected_vehicle_image_path": r.detected_vehicle_image_path,
        "detected_plate_image_path": r.detected_plate_image_path,
        "results_path": r.results_path,
        "image_width": r.image_width,
        "image_height": r.image_height,
        "processing_time": {
            "vehicle_detection_ms": ms(t.vehicle_detection_ms),
            "plate_detection_ms": ms(t.plate_detection_ms),
            "plate_recognition_ms": ms(t.plate_recognition_ms),
            "total_ms": ms(t.total_ms),
            "decode_ms": round(t.decode_ms, 2),
            "pairing_ms": round(t.pairing_ms, 2),
            "saving_ms": round(t.saving_ms, 2),
        },
        "summary": summary(r.summary),
        "detections": [_detection(d) for d in r.detections],
    }


def vehicles(r: pb.DetectVehiclesResponse) -> dict[str, Any]:
    """detect-vehicle's `data`."""
    return {
        "uploaded_image_path": r.uploaded_image_path,
        "detected_vehicle_image_path": r.detected_vehicle_image_path,
        "list_cropped_vehicle_image_paths": [v.image_path for v in r.vehicles],
        "list_class_vehicle": [v.vehicle_class for v in r.vehicles],
        "list_bounding_box_vehicle": [box(v.box) for v in r.vehicles],
        "list_confidence_score_vehicle": [round(v.confidence, 4) for v in r.vehicles],
        "vehicle_detection_processing_time": seconds(r.vehicle_detection_ms),
    }


def plates(r: pb.DetectPlatesResponse) -> dict[str, Any]:
    """detect-plate's `data`."""
    return {
        "uploaded_image_path": r.uploaded_image_path,
        "detected_plate_image_path": r.detected_plate_image_path,
        "list_cropped_plate_image_paths": [p.image_path for p in r.plates],
        "list_class_plate": [p.plate_class for p in r.plates],
        "list_bounding_box_plate": [box(p.box) for p in r.plates],
        "list_confidence_score_plate": [round(p.confidence, 4) for p in r.plates],
        "plate_detection_processing_time": seconds(r.plate_detection_ms),
    }


def ocr(r: pb.OcrPlatesResponse) -> dict[str, Any]:
    """ocr-plate's `data` (undocumented upstream; see README)."""
    return {
        "list_result_plate_ocr": [reading(x, with_region=False) for x in r.readings],
        "plate_ocr_processing_time": seconds(r.plate_ocr_ms),
    }


def recognition(r: pb.RecognizePlatesResponse) -> dict[str, Any]:
    """recognize-plate's `data`."""
    return {
        "list_result_plate_recognized": [reading(x) for x in r.readings],
        "plate_recognition_processing_time": seconds(r.plate_recognition_ms),
    }


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
