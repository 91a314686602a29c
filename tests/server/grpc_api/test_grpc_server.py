"""The real server over a real channel: stages, errors, retrieval, health, reflection."""

from __future__ import annotations

from typing import Any

import cv2
import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from tests.conftest import data_set, labels

SERVICE = "galaxy.alpr.v1.AlprService"


def us_photo() -> tuple[bytes, list[int]]:
    record = labels("openalpr-us")[0]
    return (data_set("openalpr-us") / record["image"]).read_bytes(), record["plates"][0]["box"]


def iou(a: list[int], b: list[int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def image_request(cls: type, content: bytes, name: str = "photo.jpg", rid: str = "", **kw: str) -> Any:
    return cls(request_id=rid, image=types_pb2.ImageInput(content=content, file_name=name, **kw))


def test_health_serving_and_reflection_lists_service(grpc_target: str) -> None:
    with grpc.insecure_channel(grpc_target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", SERVICE):
            assert health.Check(health_pb2.HealthCheckRequest(service=name)).status == \
                health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        ask = reflection_pb2.ServerReflectionRequest(list_services="")
        answers = list(reflection.ServerReflectionInfo(iter([ask])))
        names = {s.name for s in answers[0].list_services_response.service}
        assert SERVICE in names and "grpc.health.v1.Health" in names


def test_process_images_finds_the_labelled_plate_and_pairs_it(stub: pb_grpc.AlprServiceStub) -> None:
    content, box = us_photo()
    [response] = list(stub.ProcessImages(iter([image_request(pb.ProcessImagesRequest, content, rid="r1")])))
    assert response.request_id == "r1" and not response.HasField("error")
    result = response.result
    plates = [d for d in result.detections if d.HasField("plate")]
    best = max(plates, key=lambda d: iou([d.plate.box.x1, d.plate.box.y1, d.plate.box.x2, d.plate.box.y2], box))
    assert iou([best.plate.box.x1, best.plate.box.y1, best.plate.box.x2, best.plate.box.y2], box) >= 0.5
    assert best.detection_type == types_pb2.DETECTION_TYPE_VEHICLE_WITH_PLATE
    assert best.vehicle.vehicle_class == "car"
    assert best.reading.plate_number
    assert best.reading.ocr_provider == "local"  # a US plate: the recognizer (Indonesian, dated) passes it to PP-OCR
    t = result.processing_time
    # The two detectors run at the same time (runtime.concurrent_detectors), so each is within the total.
    assert t.total_ms >= max(t.vehicle_detection_ms, t.plate_detection_ms) > 0
    assert t.plate_recognition_ms > 0
    assert result.uploaded_image_path.endswith("_uploaded_image.jpg")
    assert result.summary.total_detections == len(result.detections)


def test_one_bad_image_in_a_stream_loses_nothing(stub: pb_grpc.AlprServiceStub) -> None:
    content, _ = us_photo()
    requests = [
        image_request(pb.DetectPlatesRequest, content, rid="good-1"),
        image_request(pb.DetectPlatesRequest, b"not an image", name="bad.jpg", rid="bad"),
        image_request(pb.DetectPlatesRequest, content, rid="good-2", custom_timestamp="2025-06-06 14-30-15"),
        image_request(pb.DetectPlatesRequest, content, rid="bad-ts", custom_timestamp="tomorrow"),
    ]
    responses = {r.request_id: r for r in stub.DetectPlates(iter(requests))}
    assert set(responses) == {"good-1", "bad", "good-2", "bad-ts"}
    assert responses["good-1"].plates and responses["good-2"].plates
    assert responses["bad"].error.reason == "UNSUPPORTED_FORMAT"
    assert responses["bad"].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert responses["bad-ts"].error.reason == "INVALID_TIMESTAMP"
    assert "2025-06-06_14-30-15" in responses["good-2"].uploaded_image_path


def test_same_custom_timestamp_never_overwrites(stub: pb_grpc.AlprServiceStub) -> None:
    content, _ = us_photo()
    requests = [image_request(pb.DetectVehiclesRequest, content, rid=str(i), custom_timestamp="2025-01-02 03-04-05")
                for i in range(3)]
    paths = [r.uploaded_image_path for r in stub.DetectVehicles(iter(requests))]
    assert len(set(paths)) == 3, paths


def test_detect_vehicles_returns_a_car(stub: pb_grpc.AlprServiceStub) -> None:
    content, _ = us_photo()
    [response] = list(stub.DetectVehicles(iter([image_request(pb.DetectVehiclesRequest, content)])))
    assert "car" in [v.vehicle_class for v in response.vehicles]
    assert all(v.vehicle_class in {"car", "motorcycle", "bus", "truck"} for v in response.vehicles)
    assert response.vehicle_detection_ms > 0


def test_recognize_plate_crop_smaller_than_scene_minimum(stub: pb_grpc.AlprServiceStub) -> None:
    record = next(r for r in labels("indonesia-ilpr-platecrops") if r["plates"][0]["text"])
    crop = (data_set("indonesia-ilpr-platecrops") / record["image"]).read_bytes()
    [response] = list(stub.RecognizePlates(iter([image_request(pb.RecognizePlatesRequest, crop)])))
    assert not response.HasField("error"), response.error.message
    assert len(response.readings) == 1
    assert response.readings[0].ocr_provider in {"recognizer", "local"}  # our recognizer, PP-OCR when unsure


def test_get_image_streams_the_stored_file_in_chunks(stub: pb_grpc.AlprServiceStub, service: object) -> None:
    big = np.random.default_rng(0).integers(0, 255, (1200, 1600, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".png", big)
    assert ok
    content = buf.tobytes()
    [response] = list(stub.DetectVehicles(iter([image_request(pb.DetectVehiclesRequest, content, name="noise.png")])))
    relative = response.uploaded_image_path.split("/", 1)[1]
    chunks = list(stub.GetImage(pb.GetImageRequest(image_path=relative)))
    assert len(chunks) > 1
    assert chunks[0].content_type == "image/png" and chunks[0].total_bytes == len(content)
    assert b"".join(c.chunk for c in chunks) == content


@pytest.mark.parametrize(("path", "code", "reason"), [
    ("../../etc/passwd", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PATH"),
    ("%2e%2e/%2e%2e/etc/passwd", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PATH"),
    ("/etc/passwd", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PATH"),
    ("uploaded_vehicle_images/missing.jpg", grpc.StatusCode.NOT_FOUND, "NOT_FOUND"),
])
def test_get_image_errors_carry_code_and_reason(stub: pb_grpc.AlprServiceStub, path: str,
                                                code: grpc.StatusCode, reason: str) -> None:
    with pytest.raises(grpc.RpcError) as info:
        list(stub.GetImage(pb.GetImageRequest(image_path=path)))
    err = info.value
    assert err.code() == code
    status = rpc_status.from_call(err)
    assert status is not None
    detail = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(detail)
    assert (detail.reason, detail.domain) == (reason, "galaxy-alpr")


def test_system_rpcs(stub: pb_grpc.AlprServiceStub) -> None:
    health = stub.GetHealth(pb.GetHealthRequest())
    assert health.status == types_pb2.HEALTH_STATUS_HEALTHY, list(health.issues)
    assert health.models_loaded["vehicle_detector"] and health.models_loaded["local_ocr"]
    models = stub.TestModels(pb.TestModelsRequest())
    assert set(models.vehicle_detector.classes.values()) == {"car", "motorcycle", "bus", "truck"}
    assert list(models.plate_detector.classes.values()) and models.plate_detector.status == "loaded"
    assert "CPUExecutionProvider" in models.vehicle_detector.execution_providers
    config = stub.GetConfig(pb.GetConfigRequest()).config
    assert config.ocr.model_name and config.timezone == "Asia/Makassar"
    info = stub.GetPipelineInfo(pb.GetPipelineInfoRequest())
    assert info.pipeline_name == "ALPR Core Pipeline" and len(info.stages) == 4
    stats = stub.GetStats(pb.GetStatsRequest())
    assert stats.uptime_seconds > 0


def test_stats_count_unary_calls_and_image_errors(stub: pb_grpc.AlprServiceStub) -> None:
    before = stub.GetStats(pb.GetStatsRequest())
    stub.GetConfig(pb.GetConfigRequest())
    with pytest.raises(grpc.RpcError):
        list(stub.GetImage(pb.GetImageRequest(image_path="../x.jpg")))
    list(stub.DetectPlates(iter([image_request(pb.DetectPlatesRequest, b"")])))
    after = stub.GetStats(pb.GetStatsRequest())
    assert after.calls["GetConfig"].requests == before.calls["GetConfig"].requests + 1
    assert after.calls["GetImage"].errors == before.calls["GetImage"].errors + 1
    assert after.calls["DetectPlates"].errors == before.calls["DetectPlates"].errors + 1
    assert after.calls["GetStats"].requests == before.calls["GetStats"].requests + 1
