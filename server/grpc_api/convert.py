"""Domain results -> protobuf messages (no logic beyond packing)."""

from __future__ import annotations

import json

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import types_pb2
from server.config import Settings
from server.domain import Box, Detection, PlateReading
from server.pipeline.results import (
    DetectionStageOutput,
    Document,
    PairedOut,
    PipelineOutput,
    PlateOut,
    ReadOutput,
    StageTimes,
    VehicleOut,
)
from server.pipeline.system import PipelineDescription

_DETECTION_TYPES = {
    "vehicle_with_plate": types_pb2.DETECTION_TYPE_VEHICLE_WITH_PLATE,
    "vehicle_without_plate": types_pb2.DETECTION_TYPE_VEHICLE_WITHOUT_PLATE,
    "plate_without_vehicle": types_pb2.DETECTION_TYPE_PLATE_WITHOUT_VEHICLE,
}


def box(b: Box) -> types_pb2.BoundingBox:
    """Pack a box."""
    return types_pb2.BoundingBox(x1=b.x1, y1=b.y1, x2=b.x2, y2=b.y2)


def vehicle(v: VehicleOut) -> types_pb2.VehicleDetection:
    """Pack a vehicle."""
    return _vehicle(v.index, v.detection, v.image_path)


def _vehicle(index: int, d: Detection, path: str) -> types_pb2.VehicleDetection:
    return types_pb2.VehicleDetection(
        vehicle_index=index, vehicle_class=d.class_name, confidence=d.confidence,
        box=box(d.box), image_path=path,
    )


def plate(p: PlateOut) -> types_pb2.PlateDetection:
    """Pack a plate detection."""
    return types_pb2.PlateDetection(
        plate_index=p.index, plate_class=p.detection.class_name, confidence=p.detection.confidence,
        box=box(p.detection.box), image_path=p.image_path,
    )


def reading(r: PlateReading) -> types_pb2.PlateReading:
    """Pack a plate reading."""
    return types_pb2.PlateReading(
        plate_number=r.plate_number,
        plate_date=r.plate_date,
        plate_text_color=r.text_color,
        plate_background_color=r.background_color,
        plate_icon=r.icon,
        plate_icon_color=r.icon_color,
        plate_blue_strip=r.blue_strip,
        plate_type=r.plate_type,
        confidence_score=r.confidence,
        plate_region_code=r.region_code,
        plate_region_name=r.region_name,
        plate_region_area=r.region_area,
        raw_text=r.raw_text,
        ocr_provider=r.provider,
        candidates=[types_pb2.PlateCandidate(plate_number=c.text, confidence=c.confidence)
                    for c in r.candidates],
        character_confidences=list(r.char_confidences),
        is_indonesian=r.is_indonesian,
        plate_valid=r.plate_valid,
    )


def paired(d: PairedOut) -> types_pb2.PairedDetection:
    """Pack one paired detection."""
    msg = types_pb2.PairedDetection(
        detection_id=d.detection_id,
        detection_type=_DETECTION_TYPES[d.detection_type],
        pairing_method=d.pairing_method,
        pairing_confidence=d.pairing_confidence,
    )
    if d.vehicle is not None:
        msg.vehicle.CopyFrom(vehicle(d.vehicle))
    if d.plate is not None:
        msg.plate.CopyFrom(plate(d.plate))
        if d.plate.reading is not None:
            msg.reading.CopyFrom(reading(d.plate.reading))
    return msg


def stage_times(t: StageTimes) -> types_pb2.StageTimes:
    """Pack stage times."""
    return types_pb2.StageTimes(
        decode_ms=t.decode_ms, vehicle_detection_ms=t.vehicle_detection_ms,
        plate_detection_ms=t.plate_detection_ms, plate_recognition_ms=t.plate_recognition_ms,
        pairing_ms=t.pairing_ms, saving_ms=t.saving_ms, total_ms=t.total_ms,
    )


def pipeline_result(out: PipelineOutput) -> types_pb2.PipelineResult:
    """Pack the full pipeline's answer."""
    s = out.summary
    return types_pb2.PipelineResult(
        timestamp=out.timestamp,
        uploaded_image_path=out.uploaded_image_path,
        detected_vehicle_image_path=out.detected_vehicle_image_path,
        detected_plate_image_path=out.detected_plate_image_path,
        results_path=out.results_path,
        processing_time=stage_times(out.times),
        summary=types_pb2.DetectionSummary(
            total_detections=s.total_detections, vehicles_with_plates=s.vehicles_with_plates,
            vehicles_without_plates=s.vehicles_without_plates,
            plates_without_vehicles=s.plates_without_vehicles,
        ),
        detections=[paired(d) for d in out.detections],
        image_width=out.width,
        image_height=out.height,
        original_filename=out.original_filename,
        document_json=document_json(out.document),
    )


def document_json(document: Document) -> str:
    """A result document as the JSON text the responses carry."""
    return json.dumps(document, ensure_ascii=False)


def process_response(out: PipelineOutput) -> pb.ProcessImagesResponse:
    """ProcessImages' answer for one image."""
    return pb.ProcessImagesResponse(result=pipeline_result(out))


def vehicles_response(out: DetectionStageOutput) -> pb.DetectVehiclesResponse:
    """DetectVehicles' answer for one image."""
    return pb.DetectVehiclesResponse(
        uploaded_image_path=out.uploaded_image_path, detected_vehicle_image_path=out.detected_image_path,
        vehicles=[_vehicle(i, d, path) for i, (d, path) in enumerate(zip(out.detections, out.crop_paths,
                                                                           strict=True), start=1)],
        vehicle_detection_ms=out.stage_ms, total_ms=out.total_ms, timestamp=out.timestamp,
        document_json=document_json(out.document),
    )


def plates_response(out: DetectionStageOutput) -> pb.DetectPlatesResponse:
    """DetectPlates' answer for one image."""
    return pb.DetectPlatesResponse(
        uploaded_image_path=out.uploaded_image_path, detected_plate_image_path=out.detected_image_path,
        plates=[plate(PlateOut(i, d, path)) for i, (d, path) in enumerate(zip(out.detections, out.crop_paths,
                                                                                strict=True), start=1)],
        plate_detection_ms=out.stage_ms, total_ms=out.total_ms, timestamp=out.timestamp,
        document_json=document_json(out.document),
    )


def ocr_response(out: ReadOutput) -> pb.OcrPlatesResponse:
    """OcrPlates' answer for one plate image."""
    return pb.OcrPlatesResponse(readings=[reading(r) for r in out.readings], plate_ocr_ms=out.stage_ms,
                                total_ms=out.total_ms, timestamp=out.timestamp,
                                document_json=document_json(out.document))


def recognition_response(out: ReadOutput) -> pb.RecognizePlatesResponse:
    """RecognizePlates' answer for one plate image."""
    return pb.RecognizePlatesResponse(readings=[reading(r) for r in out.readings], plate_recognition_ms=out.stage_ms,
                                      total_ms=out.total_ms, timestamp=out.timestamp,
                                      document_json=document_json(out.document))


def pipeline_info(d: PipelineDescription, version: str) -> pb.GetPipelineInfoResponse:
    """Pack the pipeline's description."""
    return pb.GetPipelineInfoResponse(
        pipeline_name=d.name, version=version,
        stages=[types_pb2.StageInfo(name=s.name, model=s.model, model_source=s.model_source, classes=list(s.classes),
                                    description=s.description) for s in d.stages],
        execution_providers=list(d.execution_providers), ocr_provider=d.ocr_provider,
        pairing_method=d.pairing_method, supported_formats=list(d.supported_formats),
        max_image_bytes=d.max_image_bytes, min_scene_width=d.min_scene_width, min_scene_height=d.min_scene_height,
        max_batch_images=d.max_batch_images, timezone=d.timezone, max_video_bytes=d.max_video_bytes,
    )


def service_config(s: Settings) -> types_pb2.ServiceConfig:
    """The documented configuration, without any secret."""
    o, pub = s.output, s.public_path
    return types_pb2.ServiceConfig(
        models=types_pb2.ModelsConfig(vehicle_detector=pub(s.models.vehicle_detector),
                                      plate_detector=pub(s.models.plate_detector)),
        ocr=types_pb2.OcrConfig(provider=s.ocr.provider, model_name=s.ocr.model_name),
        detection=types_pb2.DetectionConfig(
            vehicle_confidence_threshold=s.detection.vehicle_confidence_threshold,
            plate_confidence_threshold=s.detection.plate_threshold,
            vehicle_padding=s.detection.vehicle_padding,
            plate_padding=s.detection.plate_padding,
        ),
        output=types_pb2.OutputConfig(
            save_detected_images=o.save_detected_images,
            uploaded_vehicle_image_dir=pub(o.uploaded_vehicle_image_dir),
            detected_vehicle_image_dir=pub(o.detected_vehicle_image_dir),
            cropped_vehicle_image_dir=pub(o.cropped_vehicle_image_dir),
            uploaded_plate_image_dir=pub(o.uploaded_plate_image_dir),
            detected_plate_image_dir=pub(o.detected_plate_image_dir),
            cropped_plate_image_dir=pub(o.cropped_plate_image_dir),
            results_dir=pub(o.results_dir),
        ),
        image_formats=list(s.image_formats),
        timezone=s.timezone,
    )
