"""Stream scheduling for the image RPCs: admission, a window of images in flight, answers in order, drain.

The servicer only unpacks, calls and packs; everything about *when* an image runs is here.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol, TypeVar

import grpc

from galaxy.alpr.v1 import types_pb2
from server.errors import AlprError, ShuttingDownError
from server.grpc_api.admission import Admission, idle_bounded
from server.grpc_api.status import item_error
from server.pipeline.counted_stages import CountedStages
from server.pipeline.results import ImageRequest
from server.telemetry.metrics import ServerMetrics
from server.telemetry.tracing import tracer

log = logging.getLogger(__name__)

_DRAIN_POLL_S = 0.2


class _Tagged(Protocol):
    request_id: str


Out = TypeVar("Out")
Resp = TypeVar("Resp", bound=_Tagged)


class ImageRequestMessage(Protocol):
    """Any stage's request message: an image and the client's id for it."""

    request_id: str

    @property
    def image(self) -> types_pb2.ImageInput: ...


def image_request(msg: types_pb2.ImageInput, request_id: str = "") -> ImageRequest:
    """The domain request of an ImageInput message."""
    return ImageRequest(content=msg.content, file_name=msg.file_name,
                        custom_timestamp=msg.custom_timestamp, batch_prefix=msg.batch_prefix,
                        request_id=request_id)


def _shutting_down() -> ShuttingDownError:
    return ShuttingDownError("Server is shutting down: this image was not processed; send it again")


def _done(value: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(value)
    return future


class StreamScheduler:
    """Runs each stream's images on the stage pool, `window` at a time, and answers them in order."""

    def __init__(self, stages: CountedStages, executor: ThreadPoolExecutor, admission: Admission, *,
                 window: int, idle_timeout_s: float, metrics: ServerMetrics | None = None) -> None:
        self.stages = stages
        self.admission = admission
        self.metrics = metrics
        self._executor = executor
        self._window = max(1, window)
        self._idle_timeout_s = idle_timeout_s
        self._drain_cutoff: float | None = None

    def begin_drain(self, grace_period_s: float = 0.0) -> None:
        """Drain: images keep being processed for half the grace period; after that, those received and
        not started are answered SHUTTING_DOWN at once, and those running finish within the other half."""
        self._drain_cutoff = time.monotonic() + grace_period_s / 2

    def _past_cutoff(self) -> bool:
        return self._drain_cutoff is not None and time.monotonic() >= self._drain_cutoff

    def _one(self, method: str, msg: ImageRequestMessage, stage: Callable[[ImageRequest], Out],
             pack: Callable[[Out], Resp], fail: Callable[[types_pb2.ItemError], Resp]) -> Resp:
        try:
            with tracer().start_as_current_span(f"{method} image", attributes={"alpr.request_id": msg.request_id}):
                out = self.stages.call(method, stage, image_request(msg.image, msg.request_id))
        except AlprError as exc:
            log.info("%s: image %r rejected: %s", method, msg.image.file_name, exc.message)
            if self.metrics is not None:
                self.metrics.image_rejected(exc.reason)
            return fail(item_error(exc))
        except Exception as exc:
            log.exception("%s: image %r failed", method, msg.image.file_name)
            if self.metrics is not None:
                self.metrics.image_rejected("INTERNAL")
            return fail(item_error(exc))
        if self.metrics is not None:
            self.metrics.image_done(out)
        return pack(out)

    def run(self, method: str, requests: Iterable[Any], context: grpc.ServicerContext,
            stage: Callable[[ImageRequest], Out], pack: Callable[[Out], Resp],
            response_type: Callable[..., Resp]) -> Iterator[Resp]:
        """Answer each request in order, working on up to `window` images at once.

        The first image of a stream is shed (OVERLOADED) when the process is at max_inflight_images;
        later ones wait for a slot. While draining, every image still received gets SHUTTING_DOWN.
        """
        def fail(error: types_pb2.ItemError) -> Resp:
            return response_type(error=error)

        pending: deque[tuple[str, Future[Resp]]] = deque()
        for seq, msg in enumerate(idle_bounded(iter(requests), self._idle_timeout_s), start=1):
            request_id = msg.request_id or str(seq)
            if self._past_cutoff():
                pending.append((request_id, _done(fail(item_error(_shutting_down())))))
            else:
                self.admission.acquire_image(wait=seq > 1)
                try:
                    # The stage thread logs under this call's request id (contextvars do not cross pools).
                    future = self._executor.submit(contextvars.copy_context().run, self._one, method, msg,
                                                   stage, pack, fail)
                except RuntimeError as exc:  # the stage pool is shut down
                    self.admission.release_image()
                    log.info("%s: stage pool closed (%s)", method, exc)
                    future = _done(fail(item_error(_shutting_down())))
                else:
                    future.add_done_callback(self.admission.release_image)
                pending.append((request_id, future))
            while len(pending) >= self._window:
                yield self._tag(*pending.popleft(), fail)
            if not context.is_active():
                return
        while pending:
            yield self._tag(*pending.popleft(), fail)

    def _tag(self, request_id: str, future: Future[Resp], fail: Callable[[types_pb2.ItemError], Resp]) -> Resp:
        # Once draining is past its cut-off, an image not yet started is answered now rather than
        # cancelled with the whole call when the grace period ends.
        while not future.done():
            if self._past_cutoff() and future.cancel():
                break
            wait([future], timeout=_DRAIN_POLL_S)
        response = fail(item_error(_shutting_down())) if future.cancelled() else future.result()
        response.request_id = request_id
        return response
