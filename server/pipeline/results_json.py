"""The results JSON saved beside the artefacts, in the documented response's shape."""

from __future__ import annotations

from typing import Any

from server.domain import PlateReading
from server.pipeline.results import PairedOut, PipelineOutput


def reading_json(reading: PlateReading | None) -> dict[str, Any]:
    """The documented plate reading fields."""
    if reading is None:
        return {}
    return {
        "plate_number": reading.plate_number,
        "plate_date": reading.plate_date,
        "plate_text_color": reading.text_color,
        "plate_background_color": reading.background_color,
        "plate_icon": reading.icon,
        "plate_icon_color": reading.icon_color,
        "plate_blue_strip": "yes" if reading.blue_strip else "no",
        "plate_type": reading.plate_type,
        "confidence_score": round(reading.confidence, 4),
        "plate_region_code": reading.region_code,
        "plate_region_name": reading.region_name,
        "plate_region_area": reading.region_area,
        "raw_text": reading.raw_text,
        "ocr_provider": reading.provider,
        "candidates": [{"plate_number": c.text, "confidence": round(c.confidence, 4)}
                       for c in reading.candidates],
    }


def _detection_json(d: PairedOut) -> dict[str, Any]:
    vehicle = None
    if d.vehicle is not None:
        v = d.vehicle
        vehicle = {
            "vehicle_index": v.index,
            "vehicle_class": v.detection.class_name,
            "vehicle_confidence_score": round(v.detection.confidence, 4),
            "vehicle_bounding_box": v.detection.box.as_list(),
            "vehicle_image_path": v.image_path,
        }
    plate = None
    if d.plate is not None:
        p = d.plate
        plate = {
            "plate_index": p.index,
            "plate_class": p.detection.class_name,
            "plate_confidence_score": round(p.detection.confidence, 4),
            "plate_bounding_box": p.detection.box.as_list(),
            "plate_image_path": p.image_path,
            **reading_json(p.reading),
        }
    return {
        "detection_id": d.detection_id,
        "detection_type": d.detection_type,
        "pairing_method": d.pairing_method,
        "pairing_confidence": d.pairing_confidence,
        "vehicle": vehicle,
        "plate": plate,
    }


def pipeline_output_json(out: PipelineOutput) -> dict[str, Any]:
    """The documented `data` object of process-single-image."""
    s = out.summary
    t = out.times
    return {
        "timestamp": out.timestamp,
        "original_filename": out.original_filename,
        "uploaded_image_path": out.uploaded_image_path,
        "detected_vehicle_image_path": out.detected_vehicle_image_path,
        "detected_plate_image_path": out.detected_plate_image_path,
        "processing_time": {
            "vehicle_detection_ms": round(t.vehicle_detection_ms, 2),
            "plate_detection_ms": round(t.plate_detection_ms, 2),
            "plate_recognition_ms": round(t.plate_recognition_ms, 2),
            "total_ms": round(t.total_ms, 2),
        },
        "summary": {
            "total_detections": s.total_detections,
            "vehicles_with_plates": s.vehicles_with_plates,
            "vehicles_without_plates": s.vehicles_without_plates,
            "plates_without_vehicles": s.plates_without_vehicles,
        },
        "detections": [_detection_json(d) for d in out.detections],
    }
