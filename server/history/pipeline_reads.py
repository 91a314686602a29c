"""The reads of one processed image, as the history records them."""

from __future__ import annotations

from datetime import datetime

from server.history.records import NewRead
from server.pipeline.results import ImageRequest, PipelineOutput, ReadOutput
from server.plates.identity import normalise


def reads_of(output: PipelineOutput, *, read_at: datetime, camera_id: str = "", request_id: str = "",
             source: str = "image") -> list[NewRead]:
    """One NewRead per plate with a reading (plates read as nothing are not history)."""
    reads = []
    for detection in output.detections:
        plate = detection.plate
        if plate is None or plate.reading is None:
            continue
        reading = plate.reading
        text = reading.plate_number or reading.raw_text
        if not normalise(text):
            continue
        vehicle = detection.vehicle
        box = plate.detection.box
        reads.append(NewRead(
            read_at=read_at, plate_text=normalise(text), plate_number=text, source=source,
            camera_id=camera_id, request_id=request_id, confidence=reading.confidence,
            plate_valid=reading.plate_valid, region_code=reading.region_code, region_name=reading.region_name,
            plate_type=reading.plate_type, text_color=reading.text_color,
            background_color=reading.background_color, plate_date=reading.plate_date,
            vehicle_class=vehicle.detection.class_name if vehicle is not None else "",
            vehicle_confidence=vehicle.detection.confidence if vehicle is not None else 0.0,
            plate_box=(box.x1, box.y1, box.x2, box.y2),
            vehicle_box=(vehicle.detection.box.x1, vehicle.detection.box.y1, vehicle.detection.box.x2,
                         vehicle.detection.box.y2) if vehicle is not None else None,
            image_width=output.width, image_height=output.height, original_filename=output.original_filename,
            uploaded_image_path=output.uploaded_image_path, evidence_image_path=output.detected_plate_image_path,
            plate_image_path=plate.image_path, vehicle_image_path=vehicle.image_path if vehicle is not None else "",
            results_path=output.results_path,
        ))
    return reads


def plate_crop_reads(output: ReadOutput, request: ImageRequest, *, read_at: datetime) -> list[NewRead]:
    """The reads of a recognised plate crop (source "plate"; no boxes, nothing saved)."""
    reads = []
    for reading in output.readings:
        text = reading.plate_number or reading.raw_text
        if not normalise(text):
            continue
        reads.append(NewRead(
            read_at=read_at, plate_text=normalise(text), plate_number=text, source="plate",
            camera_id=request.camera_id, request_id=request.request_id, confidence=reading.confidence,
            plate_valid=reading.plate_valid, region_code=reading.region_code, region_name=reading.region_name,
            plate_type=reading.plate_type, text_color=reading.text_color,
            background_color=reading.background_color, plate_date=reading.plate_date,
            original_filename=request.file_name,
        ))
    return reads
