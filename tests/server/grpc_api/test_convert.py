"""Domain results -> protobuf: the typed result and its document_json describe the same image."""

from __future__ import annotations

import json
from dataclasses import replace

from galaxy.alpr.v1 import types_pb2
from server.domain import Box, Candidate, Detection, PlateReading
from server.grpc_api import convert
from server.pipeline.pairing import Pair
from server.pipeline.result_document import detection_stage_document, pipeline_document
from server.pipeline.results import DetectionStageOutput, PipelineOutput, SceneAnalysis, StageTimes
from server.pipeline.system import PipelineDescription, StageDescription

CAR = Detection(Box(10, 20, 310, 220), 0.91234, 2, "car")
PLATE = Detection(Box(100, 180, 180, 205), 0.87654, 0, "plate")
READING = PlateReading(plate_number="DK 1234 AB", raw_text="DK1234AB", plate_date="09.27", confidence=0.93456,
                       provider="recognizer", text_color="white", background_color="black", blue_strip=True,
                       plate_type="private", region_code="DK", region_name="Bali", region_area="Denpasar",
                       is_indonesian=True, plate_valid=True, candidates=(Candidate("DK 1234 AB", 0.93456),),
                       char_confidences=(0.99, 0.98123))


def _output() -> PipelineOutput:
    analysis = SceneAnalysis(640, 480, [CAR, Detection(Box(400, 50, 600, 200), 0.6, 7, "truck")], [PLATE],
                             [READING], [Pair(0, 0, 0.95), Pair(1, None, 0.0)], StageTimes())
    times = StageTimes(decode_ms=1.5, vehicle_detection_ms=30.4, plate_detection_ms=20.6, plate_recognition_ms=2.2,
                       pairing_ms=0.1, saving_ms=4.0, total_ms=60.7)
    out = PipelineOutput("2026-12-07T20:00:00+08:00", "a.jpg", "uploaded/a.jpg", "dv/a.jpg", "dp/a.jpg", "r/a.json",
                         times, analysis.detections(["cv/1.jpg", "cv/2.jpg"], ["cp/1.jpg"]), 640, 480)
    return replace(out, document=pipeline_document(out))


def test_the_typed_result_and_its_document_agree() -> None:
    out = _output()
    result = convert.process_response(out).result
    assert json.loads(result.document_json) == json.loads(json.dumps(out.document))
    assert (result.image_width, result.image_height, result.original_filename) == (640, 480, "a.jpg")
    assert result.summary.vehicles_with_plates == 1 and result.summary.vehicles_without_plates == 1
    first, second = result.detections
    assert first.detection_type == types_pb2.DETECTION_TYPE_VEHICLE_WITH_PLATE
    assert second.detection_type == types_pb2.DETECTION_TYPE_VEHICLE_WITHOUT_PLATE and not second.HasField("plate")
    doc = out.document["detections"][0]
    assert first.vehicle.vehicle_class == doc["vehicle"]["vehicle_class"] == "car"
    assert [first.vehicle.box.x1, first.vehicle.box.y1, first.vehicle.box.x2, first.vehicle.box.y2] == \
        doc["vehicle"]["vehicle_bounding_box"]
    r, d = first.reading, doc["plate"]
    assert (r.plate_number, r.plate_region_code, r.plate_text_color, r.plate_valid) == \
        (d["plate_number"], d["plate_region_code"], d["plate_text_color"], d["plate_valid"])
    assert r.plate_blue_strip is True and d["plate_blue_strip"] == "yes"
    assert round(r.confidence_score, 4) == d["confidence_score"] == 0.9346  # the document rounds, proto does not
    assert list(r.character_confidences) == [c for c in READING.char_confidences]
    assert result.processing_time.total_ms == out.times.total_ms and out.document["processing_time"]["total_ms"] == 61


def test_a_detection_stage_answer_is_one_based_and_carries_its_document() -> None:
    out = DetectionStageOutput("t", "up.jpg", "det.jpg", [CAR, PLATE], ["c1.jpg", "c2.jpg"], 12.5, 20.0)
    out = replace(out, document=detection_stage_document(out, "vehicle"))
    answer = convert.vehicles_response(out)
    assert [v.vehicle_index for v in answer.vehicles] == [1, 2]
    assert [v.image_path for v in answer.vehicles] == ["c1.jpg", "c2.jpg"]
    assert json.loads(answer.document_json)["list_cropped_vehicle_image_paths"] == ["c1.jpg", "c2.jpg"]


def test_pipeline_info_carries_every_limit_the_bridge_learns() -> None:
    info = convert.pipeline_info(PipelineDescription(
        name="p", stages=(StageDescription("vehicle_detection", "m.onnx", "finds vehicles"),),
        execution_providers=("CPUExecutionProvider",), ocr_provider="local", pairing_method="containment",
        supported_formats=("jpg",), max_image_bytes=10, min_scene_width=64, min_scene_height=64,
        max_batch_images=5, timezone="Asia/Makassar", max_video_bytes=99), "9.9")
    assert (info.max_image_bytes, info.max_batch_images, info.max_video_bytes, info.timezone, info.version) == \
        (10, 5, 99, "Asia/Makassar", "9.9")
