"""The typed clients over a real gRPC server: order, request ids, the unary RPCs, the deadline policy."""

from __future__ import annotations

import asyncio
from typing import Any

import cv2
import grpc
import numpy as np
import pytest

from clients import AlprClient, AsyncAlprClient, ImageItem
from clients.channel import MAX_MESSAGE_BYTES, Deadlines, message_id
from tests.conftest import data_set, labels


def _png(w: int, h: int) -> bytes:
    ok, buf = cv2.imencode(".png", np.zeros((h, w, 3), np.uint8))
    assert ok
    return bytes(buf.tobytes())


def _crops(n: int) -> list[ImageItem]:
    folder = data_set("openalpr-us-platecrops")
    return [ImageItem(r["image"], (folder / r["image"]).read_bytes()) for r in labels("openalpr-us-platecrops")[:n]]


def test_async_run_keeps_the_images_order_and_each_images_error(grpc_target: str) -> None:
    items = [*_crops(2), ImageItem("bad.gif", b"GIF89a" + b"\0" * 20), *_crops(3)[2:]]

    async def run() -> list[Any]:
        async with AsyncAlprClient(grpc_target, deadlines=Deadlines(call_s=60, per_image_s=30, unary_s=5)) as c:
            return await c.run("ocr", items)

    responses = asyncio.run(run())
    assert len(responses) == 4
    ids = [r.request_id for r in responses]
    call_id = ids[0].rsplit("-", 1)[0]
    assert ids == [message_id(call_id, n) for n in range(4)]
    assert [r.HasField("error") for r in responses] == [False, False, True, False]
    assert responses[2].error.reason == "UNSUPPORTED_FORMAT"


def test_async_unary_calls(grpc_target: str) -> None:
    async def run() -> tuple[str, int, str]:
        async with AsyncAlprClient(grpc_target, timeout_s=5) as c:
            info = await c.service_info()
            pipeline = await c.pipeline_info()
            config = await c.config()
            await c.stats()
            await c.test_models()
            await c.health()
            return info.version, pipeline.max_image_bytes, config.config.timezone

    version, max_bytes, timezone = asyncio.run(run())
    assert version == "1.0.0" and 0 < max_bytes < MAX_MESSAGE_BYTES and timezone == "Asia/Makassar"


def test_async_image_chunks_of_a_missing_file_is_not_found(grpc_target: str) -> None:
    async def run() -> grpc.StatusCode:
        async with AsyncAlprClient(grpc_target, timeout_s=5) as c:
            try:
                await c.image_chunks("uploaded_vehicle_images/none.jpg").__anext__()
            except grpc.aio.AioRpcError as exc:
                return exc.code()
        raise AssertionError("no error")

    assert asyncio.run(run()) == grpc.StatusCode.NOT_FOUND


def test_sync_stream_tags_each_answer_with_its_item(grpc_target: str) -> None:
    items = [ImageItem("small.png", _png(50, 50)), ImageItem("ok.png", _png(300, 300))]
    with AlprClient(grpc_target, timeout_s=60) as client:
        answers = list(client.detect_vehicles(items))
    assert [item.name for item, _ in answers] == ["small.png", "ok.png"]
    assert answers[0][1].error.reason == "IMAGE_TOO_SMALL"
    assert not answers[1][1].HasField("error")


@pytest.mark.parametrize(("policy", "n", "deadline"), [
    (Deadlines(), 3, None), (Deadlines(call_s=60, per_image_s=30), 0, 60),
    (Deadlines(call_s=60, per_image_s=30), 2, 120), (Deadlines(call_s=10), None, 10),
])
def test_deadline_policy(policy: Deadlines, n: int | None, deadline: float | None) -> None:
    assert policy.stream(n) == deadline
