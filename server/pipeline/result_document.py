"""The documented result JSON (SEED_API.md `data`), encoded once from the stage results.

The REST bridge answers with these documents verbatim and the save step writes the same documents
under `results/`, so a saved results file is exactly the REST `data` for its image (plus
`original_filename`). Transport-free: plain dicts of JSON types, no grpc, fastapi or protobuf.
"""

from __future__ import annotations

from server.domain import Detection, PlateReading
from server.pipeline.results import DetectionStageOutput, Document, PairedOut, PipelineOutput, ReadOutput


def ms(value: float) -> int:
    """Documented millisecond fields are integers."""
    return round(value)


def seconds(value_ms: float) -> float:
    """Documented *_processing_time fields are seconds."""
    return round(value_ms / 1000.0, 4)


def score(value: float) -> float:
    """Confidences and scores: four decimals."""
    return round(value, 4)


def reading_document(r: PlateReading, *, with_region: bool = True) -> Document:
    """The documented plate fields (the region fields only for recognition), plus our extra keys."""
    out: Document = {
        "plate_number": r.plate_number,
        "plate_date": r.plate_date,
        "plate_text_color": r.text_color,
        "plate_background_color": r.background_color,
        "plate_icon": r.icon,
        "plate_icon_color": r.icon_color,
        "plate_blue_strip": "yes" if r.blue_strip else "no",
        "plate_type": r.plate_type,
        "confidence_score": score(r.confidence),
    }
    if with_region:
        out["plate_region_code"] = r.region_code
        out["plate_region_name"] = r.region_name
        out["plate_region_area"] = r.region_area
    out["plate_valid"] = r.plate_valid
    out["raw_text"] = r.raw_text
    out["ocr_provider"] = r.provider
    out["candidates"] = [{"plate_number": c.text, "confidence": score(c.confidence)} for c in r.candidates]
    out["character_confidences"] = [score(c) for c in r.char_confidences]
    return out


def _vehicle(index: int, d: Detection, path: str) -> Document:
    return {
        "vehicle_index": index,
        "vehicle_class": d.class_name,
        "vehicle_confidence_score": score(d.confidence),
        "vehicle_bounding_box": d.box.as_list(),
        "vehicle_image_path": path,
    }


def _plate(index: int, d: Detection, path: str, reading: PlateReading | None) -> Document:
    return {
        "plate_index": index,
        "plate_class": d.class_name,
        "plate_confidence_score": score(d.confidence),
        "plate_bounding_box": d.box.as_list(),
        "plate_image_path": path,
        **(reading_document(reading) if reading is not None else {}),
    }


def detection_document(d: PairedOut) -> Document:
    """One entry of the full pipeline's `detections`."""
    v, p = d.vehicle, d.plate
    return {
        "detection_id": d.detection_id,
        "detection_type": d.detection_type,
        "pairing_method": d.pairing_method,
        "pairing_confidence": score(d.pairing_confidence),
        "vehicle": _vehicle(v.index, v.detection, v.image_path) if v is not None else None,
        "plate": _plate(p.index, p.detection, p.image_path, p.reading) if p is not None else None,
    }


def pipeline_document(out: PipelineOutput) -> Document:
    """process-single-image's `data` (also each good entry of process-multiple-images)."""
    s, t = out.summary, out.times
    return {
        "timestamp": out.timestamp,
        "uploaded_image_path": out.uploaded_image_path,
        "detected_vehicle_image_path": out.detected_vehicle_image_path,
        "detected_plate_image_path": out.detected_plate_image_path,
        "results_path": out.results_path,
        "image_width": out.width,
        "image_height": out.height,
        "processing_time": {
            "vehicle_detection_ms": ms(t.vehicle_detection_ms),
            "plate_detection_ms": ms(t.plate_detection_ms),
            "plate_recognition_ms": ms(t.plate_recognition_ms),
            "total_ms": ms(t.total_ms),
            "decode_ms": round(t.decode_ms, 2),
            "pairing_ms": round(t.pairing_ms, 2),
            "saving_ms": round(t.saving_ms, 2),
        },
        "summary": {
            "total_detections": s.total_detections,
            "vehicles_with_plates": s.vehicles_with_plates,
            "vehicles_without_plates": s.vehicles_without_plates,
            "plates_without_vehicles": s.plates_without_vehicles,
        },
        "detections": [detection_document(d) for d in out.detections],
        **({"storage_warning": out.storage_warning} if out.storage_warning else {}),
    }


def detection_stage_document(out: DetectionStageOutput, kind: str) -> Document:
    """detect-vehicle's (kind "vehicle") or detect-plate's (kind "plate") `data`."""
    return {
        "uploaded_image_path": out.uploaded_image_path,
        f"detected_{kind}_image_path": out.detected_image_path,
        f"list_cropped_{kind}_image_paths": list(out.crop_paths),
        f"list_class_{kind}": [d.class_name for d in out.detections],
        f"list_bounding_box_{kind}": [d.box.as_list() for d in out.detections],
        f"list_confidence_score_{kind}": [score(d.confidence) for d in out.detections],
        f"{kind}_detection_processing_time": seconds(out.stage_ms),
        **({"storage_warning": out.storage_warning} if out.storage_warning else {}),
    }


def read_document(out: ReadOutput, *, with_region: bool) -> Document:
    """ocr-plate's (with_region=False) or recognize-plate's `data`."""
    if with_region:
        return {
            "list_result_plate_recognized": [reading_document(r) for r in out.readings],
            "plate_recognition_processing_time": seconds(out.stage_ms),
        }
    return {
        "list_result_plate_ocr": [reading_document(r, with_region=False) for r in out.readings],
        "plate_ocr_processing_time": seconds(out.stage_ms),
    }


def saved_document(data: Document, original_filename: str) -> Document:
    """What the results file holds: the REST `data`, plus the upload's name."""
    return {**data, "original_filename": original_filename}
