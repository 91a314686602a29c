"""A small photo (a thumbnail, a low-resolution camera) is read, not refused: the minimum is what a plate needs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server.plates.metrics import is_exact
from tests.conftest import data_set, labels

SET = "openalpr-us"
IMAGE = "us_0024.jpg"  # 900x600, one legible plate; evaluation data, used here only to check, never to tune


def _small_photo(width: int, height: int) -> tuple[bytes, str]:
    record = next(r for r in labels(SET) if r["image"] == IMAGE)
    photo = cv2.imread(str(data_set(SET) / IMAGE), cv2.IMREAD_COLOR)
    assert photo is not None
    small = cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return bytes(np.asarray(jpeg).tobytes()), str(record["plates"][0]["text"])


@pytest.mark.slow
def test_a_300x199_photo_is_read(stub: pb_grpc.AlprServiceStub) -> None:
    content, truth = _small_photo(300, 199)
    request = pb.ProcessImagesRequest(image=types_pb2.ImageInput(content=content, file_name="small.jpg"))
    (response,) = list(stub.ProcessImages(iter([request]), timeout=120))
    assert not response.HasField("error"), response.error.message
    reads = [d.reading.plate_number for d in response.result.detections if d.HasField("plate")]
    assert any(is_exact(text, truth) for text in reads), f"{reads} should contain {truth}"


def test_a_photo_under_the_minimum_is_refused_with_the_size(stub: pb_grpc.AlprServiceStub) -> None:
    ok, png = cv2.imencode(".png", np.zeros((48, 300, 3), np.uint8))
    assert ok
    request = pb.ProcessImagesRequest(image=types_pb2.ImageInput(content=bytes(png.tobytes()), file_name="strip.png"))
    (response,) = list(stub.ProcessImages(iter([request]), timeout=60))
    assert response.error.reason == "IMAGE_TOO_SMALL"
    assert "300x48" in response.error.message and "64x64" in response.error.message
