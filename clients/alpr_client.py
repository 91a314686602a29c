"""A small typed client over the generated stubs: many images over one streaming call.

    with AlprClient("127.0.0.1:50051") as client:
        for item, response in client.process_images(["a.jpg", "b.jpg"]):
            print(item.name, response.result.summary.total_detections)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import grpc

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2

StageName = Literal["process", "vehicles", "plates", "ocr", "recognize"]
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.lb_policy_name", "round_robin"),
]

_REQUEST_TYPES: dict[str, Any] = {
    "process": pb.ProcessImagesRequest,
    "vehicles": pb.DetectVehiclesRequest,
    "plates": pb.DetectPlatesRequest,
    "ocr": pb.OcrPlatesRequest,
    "recognize": pb.RecognizePlatesRequest,
}
_METHODS = {"process": "ProcessImages", "vehicles": "DetectVehicles", "plates": "DetectPlates",
            "ocr": "OcrPlates", "recognize": "RecognizePlates"}


@dataclass(frozen=True)
class ImageItem:
    """One image to send: its bytes and the name the server records."""

    name: str
    content: bytes
    custom_timestamp: str = ""
    batch_prefix: str = ""

    @classmethod
    def from_path(cls, path: str | Path, **kwargs: str) -> ImageItem:
        """Read an image file."""
        p = Path(path)
        return cls(name=p.name, content=p.read_bytes(), **kwargs)


def _as_item(value: ImageItem | str | Path) -> ImageItem:
    return value if isinstance(value, ImageItem) else ImageItem.from_path(value)


def _request(stage: StageName, request_id: str, item: ImageItem) -> Any:
    image = types_pb2.ImageInput(content=item.content, file_name=item.name,
                                 custom_timestamp=item.custom_timestamp, batch_prefix=item.batch_prefix)
    return _REQUEST_TYPES[stage](request_id=request_id, image=image)


class AlprClient:
    """Synchronous client. Responses come back in request order, each tagged with its item."""

    def __init__(self, target: str = "127.0.0.1:50051", *, timeout_s: float | None = None,
                 channel: grpc.Channel | None = None) -> None:
        self._channel = channel or grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self._stub = pb_grpc.AlprServiceStub(self._channel)
        self._timeout = timeout_s

    def __enter__(self) -> AlprClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def stream(self, stage: StageName, images: Iterable[ImageItem | str | Path]) -> Iterator[tuple[ImageItem, Any]]:
        """Send every image on one call of the stage; yield (item, response) as answers arrive."""
        sent: dict[str, ImageItem] = {}
        prefix = uuid.uuid4().hex[:8]

        def requests() -> Iterator[Any]:
            for n, value in enumerate(images):
                item = _as_item(value)
                request_id = f"{prefix}-{n}"
                sent[request_id] = item
                yield _request(stage, request_id, item)

        method = getattr(self._stub, _METHODS[stage])
        for response in method(requests(), timeout=self._timeout):
            yield sent.pop(response.request_id), response

    def process_images(self, images: Iterable[ImageItem | str | Path]
                       ) -> Iterator[tuple[ImageItem, pb.ProcessImagesResponse]]:
        """The full pipeline over many images."""
        return self.stream("process", images)

    def detect_vehicles(self, images: Iterable[ImageItem | str | Path]
                        ) -> Iterator[tuple[ImageItem, pb.DetectVehiclesResponse]]:
        """Vehicle detection over many images."""
        return self.stream("vehicles", images)

    def detect_plates(self, images: Iterable[ImageItem | str | Path]
                      ) -> Iterator[tuple[ImageItem, pb.DetectPlatesResponse]]:
        """Plate detection over many images."""
        return self.stream("plates", images)

    def recognize_plates(self, crops: Iterable[ImageItem | str | Path]
                         ) -> Iterator[tuple[ImageItem, pb.RecognizePlatesResponse]]:
        """Plate recognition over many plate crops."""
        return self.stream("recognize", crops)

    def ocr_plates(self, crops: Iterable[ImageItem | str | Path]) -> Iterator[tuple[ImageItem, pb.OcrPlatesResponse]]:
        """OCR (no region mapping) over many plate crops."""
        return self.stream("ocr", crops)

    def health(self) -> pb.GetHealthResponse:
        """Detailed health."""
        return self._stub.GetHealth(pb.GetHealthRequest(), timeout=self._timeout)

    def config(self) -> pb.GetConfigResponse:
        """Effective configuration."""
        return self._stub.GetConfig(pb.GetConfigRequest(), timeout=self._timeout)

    def stats(self) -> pb.GetStatsResponse:
        """Counters."""
        return self._stub.GetStats(pb.GetStatsRequest(), timeout=self._timeout)

    def get_image(self, image_path: str) -> bytes:
        """A stored artefact's bytes."""
        return b"".join(m.chunk for m in self._stub.GetImage(pb.GetImageRequest(image_path=image_path),
                                                              timeout=self._timeout))


class AsyncAlprClient:
    """asyncio client with the same shape as AlprClient."""

    def __init__(self, target: str = "127.0.0.1:50051", *, timeout_s: float | None = None) -> None:
        self._channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self._stub = pb_grpc.AlprServiceStub(self._channel)
        self._timeout = timeout_s

    async def __aenter__(self) -> AsyncAlprClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel."""
        await self._channel.close()

    async def stream(self, stage: StageName, images: Sequence[ImageItem | str | Path]
                     ) -> AsyncIterator[tuple[ImageItem, Any]]:
        """Send every image on one call; yield (item, response) as answers arrive."""
        prefix = uuid.uuid4().hex[:8]
        items = {f"{prefix}-{n}": _as_item(v) for n, v in enumerate(images)}
        requests = [_request(stage, rid, item) for rid, item in items.items()]
        call = getattr(self._stub, _METHODS[stage])(iter(requests), timeout=self._timeout)
        async for response in call:
            yield items[response.request_id], response

    async def process_images(self, images: Sequence[ImageItem | str | Path]
                             ) -> AsyncIterator[tuple[ImageItem, pb.ProcessImagesResponse]]:
        """The full pipeline over many images."""
        async for pair in self.stream("process", images):
            yield pair

    async def health(self) -> pb.GetHealthResponse:
        """Detailed health."""
        response: pb.GetHealthResponse = await self._stub.GetHealth(pb.GetHealthRequest(), timeout=self._timeout)
        return response
