"""A small typed client over the generated stubs: many images over one streaming call.

    with AlprClient("127.0.0.1:50051") as client:
        for item, response in client.process_images(["a.jpg", "b.jpg"]):
            print(item.name, response.result.summary.total_detections)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import grpc

from clients.channel import (
    CHANNEL_OPTIONS,
    Deadlines,
    call_metadata,
    message_id,
    new_request_id,
    open_aio_channel,
)
from clients.history_client import AsyncHistoryClient, HistoryClient
from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2

StageName = Literal["process", "vehicles", "plates", "ocr", "recognize"]

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


def _deadlines(timeout_s: float | None, deadlines: Deadlines | None) -> Deadlines:
    return deadlines or Deadlines(call_s=timeout_s, unary_s=timeout_s)


def _request(stage: StageName, request_id: str, item: ImageItem) -> Any:
    image = types_pb2.ImageInput(content=item.content, file_name=item.name,
                                 custom_timestamp=item.custom_timestamp, batch_prefix=item.batch_prefix)
    return _REQUEST_TYPES[stage](request_id=request_id, image=image)


class AlprClient:
    """Synchronous client. Responses come back in request order, each tagged with its item."""

    def __init__(self, target: str = "127.0.0.1:50051", *, timeout_s: float | None = None,
                 deadlines: Deadlines | None = None, channel: grpc.Channel | None = None, api_key: str = "",
                 credentials: grpc.ChannelCredentials | None = None) -> None:
        self._api_key = api_key
        self._channel = channel or (
            grpc.secure_channel(target, credentials, options=CHANNEL_OPTIONS) if credentials is not None
            else grpc.insecure_channel(target, options=CHANNEL_OPTIONS))
        self._stub = pb_grpc.AlprServiceStub(self._channel)
        self._deadlines = _deadlines(timeout_s, deadlines)
        self._timeout = self._deadlines.unary_s
        self.history = HistoryClient(self._channel, self._deadlines, api_key=api_key)

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
        call_id = new_request_id()

        def requests() -> Iterator[Any]:
            for n, value in enumerate(images):
                item = _as_item(value)
                request_id = message_id(call_id, n)
                sent[request_id] = item
                yield _request(stage, request_id, item)

        count = len(images) if isinstance(images, Sequence) else None
        method = getattr(self._stub, _METHODS[stage])
        metadata = call_metadata(self._api_key, call_id)
        for response in method(requests(), timeout=self._deadlines.stream(count), metadata=metadata):
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
        return self._stub.GetHealth(pb.GetHealthRequest(), timeout=self._timeout,
                                                              metadata=call_metadata(self._api_key, new_request_id()))

    def config(self) -> pb.GetConfigResponse:
        """Effective configuration."""
        return self._stub.GetConfig(pb.GetConfigRequest(), timeout=self._timeout,
                                                              metadata=call_metadata(self._api_key, new_request_id()))

    def stats(self) -> pb.GetStatsResponse:
        """Counters."""
        return self._stub.GetStats(pb.GetStatsRequest(), timeout=self._timeout,
                                                              metadata=call_metadata(self._api_key, new_request_id()))

    def get_image(self, image_path: str) -> bytes:
        """A stored artefact's bytes."""
        return b"".join(m.chunk for m in self._stub.GetImage(pb.GetImageRequest(image_path=image_path),
                                                              timeout=self._timeout,
                                                              metadata=call_metadata(self._api_key, new_request_id())))


class AsyncAlprClient:
    """asyncio client with the same shape as AlprClient, plus every unary RPC (the REST bridge uses it)."""

    def __init__(self, target: str = "127.0.0.1:50051", *, timeout_s: float | None = None,
                 deadlines: Deadlines | None = None, api_key: str = "",
                 credentials: grpc.ChannelCredentials | None = None) -> None:
        self._api_key = api_key
        self._channel = open_aio_channel(target, credentials)
        self._stub = pb_grpc.AlprServiceStub(self._channel)
        self._deadlines = _deadlines(timeout_s, deadlines)
        self.history = AsyncHistoryClient(self._channel, self._deadlines, api_key=api_key)

    async def __aenter__(self) -> AsyncAlprClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel."""
        await self._channel.close()

    def _call(self, stage: StageName, call_id: str, items: Sequence[ImageItem]) -> AsyncIterator[Any]:
        requests = [_request(stage, message_id(call_id, n), item) for n, item in enumerate(items)]
        call: AsyncIterator[Any] = getattr(self._stub, _METHODS[stage])(
            iter(requests), timeout=self._deadlines.stream(len(items)), metadata=call_metadata(self._api_key, call_id),
            wait_for_ready=False)
        return call

    async def stream(self, stage: StageName, images: Sequence[ImageItem | str | Path]
                     ) -> AsyncIterator[tuple[ImageItem, Any]]:
        """Send every image on one call; yield (item, response) as answers arrive."""
        call_id = new_request_id()
        items = [_as_item(v) for v in images]
        by_id = {message_id(call_id, n): item for n, item in enumerate(items)}
        async for response in self._call(stage, call_id, items):
            yield by_id[response.request_id], response

    async def run(self, stage: StageName, images: Sequence[ImageItem]) -> list[Any]:
        """Every image through one stage on one call; the responses in the images' order."""
        call_id = new_request_id()
        answers = {response.request_id: response async for response in self._call(stage, call_id, images)}
        return [answers[message_id(call_id, n)] for n in range(len(images))]

    async def process_images(self, images: Sequence[ImageItem | str | Path]
                             ) -> AsyncIterator[tuple[ImageItem, pb.ProcessImagesResponse]]:
        """The full pipeline over many images."""
        async for pair in self.stream("process", images):
            yield pair

    def _unary_options(self) -> dict[str, Any]:
        return {"timeout": self._deadlines.unary_s, "metadata": call_metadata(self._api_key, new_request_id())}

    async def service_info(self) -> pb.GetServiceInfoResponse:
        """Name and version."""
        response: pb.GetServiceInfoResponse = await self._stub.GetServiceInfo(pb.GetServiceInfoRequest(),
                                                                              **self._unary_options())
        return response

    async def health(self) -> pb.GetHealthResponse:
        """Detailed health."""
        response: pb.GetHealthResponse = await self._stub.GetHealth(pb.GetHealthRequest(), **self._unary_options())
        return response

    async def pipeline_info(self) -> pb.GetPipelineInfoResponse:
        """Stages, models, providers, limits and timezone."""
        response: pb.GetPipelineInfoResponse = await self._stub.GetPipelineInfo(pb.GetPipelineInfoRequest(),
                                                                                **self._unary_options())
        return response

    async def config(self) -> pb.GetConfigResponse:
        """Effective configuration."""
        response: pb.GetConfigResponse = await self._stub.GetConfig(pb.GetConfigRequest(), **self._unary_options())
        return response

    async def stats(self) -> pb.GetStatsResponse:
        """Counters."""
        response: pb.GetStatsResponse = await self._stub.GetStats(pb.GetStatsRequest(), **self._unary_options())
        return response

    async def test_models(self) -> pb.TestModelsResponse:
        """Model loading and availability."""
        response: pb.TestModelsResponse = await self._stub.TestModels(pb.TestModelsRequest(),
                                                                      **self._unary_options())
        return response

    def image_chunks(self, image_path: str) -> AsyncIterator[pb.GetImageResponse]:
        """A stored artefact as it streams (the first message says its type and size)."""
        call = self._stub.GetImage(pb.GetImageRequest(image_path=image_path),
                                   timeout=self._deadlines.stream(1),
                                   metadata=call_metadata(self._api_key, new_request_id()))
        chunks: AsyncIterator[pb.GetImageResponse] = call.__aiter__()
        return chunks
