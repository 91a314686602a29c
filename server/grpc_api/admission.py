"""Admission control: bounded streams and in-flight images, idle streams closed, work refused fast.

A sync gRPC server holds one thread per open stream. Streams beyond `max_streams` are refused at
once (RESOURCE_EXHAUSTED + retry hint) so the threads kept apart for health and system RPCs are never
taken; images beyond `max_inflight_images` (queued or running in the stage pool) are shed the same
way instead of queueing without bound.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

import grpc

from server.errors import OverloadedError, StreamIdleError

T = TypeVar("T")
_END = object()


class Admission:
    """Counts open streams and in-flight images against their bounds."""

    def __init__(self, *, max_streams: int, max_inflight_images: int, retry_after_s: float) -> None:
        self.max_streams = max_streams
        self.max_inflight_images = max_inflight_images
        self.retry_after_s = retry_after_s
        self._lock = threading.Lock()
        self._images_free = threading.Condition(self._lock)
        self._streams = 0
        self._images = 0
        self.shed_streams = 0
        self.shed_images = 0

    @property
    def streams(self) -> int:
        """Streams open now."""
        return self._streams

    @property
    def inflight_images(self) -> int:
        """Images queued or running now."""
        return self._images

    def numbers(self) -> dict[str, float]:
        """What the metrics export: queue depth, open streams, shed work."""
        return {"inflight_images": self._images, "streams": self._streams,
                "shed_streams": self.shed_streams, "shed_images": self.shed_images}

    def enter_stream(self) -> None:
        """Admit a stream or raise OverloadedError."""
        with self._lock:
            if self._streams >= self.max_streams:
                self.shed_streams += 1
                raise OverloadedError(
                    f"Server busy: {self.max_streams} streams are open; retry in {self.retry_after_s:g} s",
                    retry_after_s=self.retry_after_s)
            self._streams += 1

    def leave_stream(self) -> None:
        """A stream ended."""
        with self._lock:
            self._streams -= 1

    def acquire_image(self, *, wait: bool) -> None:
        """Take an image slot; a stream's first image (wait=False) is refused when none is free.

        Later images of an admitted stream wait for a slot: the client was accepted, its work is not shed.
        """
        with self._lock:
            if self._images >= self.max_inflight_images:
                if not wait:
                    self.shed_images += 1
                    raise OverloadedError(
                        f"Server busy: {self.max_inflight_images} images in progress; "
                        f"retry in {self.retry_after_s:g} s", retry_after_s=self.retry_after_s)
                self._images_free.wait_for(lambda: self._images < self.max_inflight_images)
            self._images += 1

    def release_image(self, _future: Any = None) -> None:
        """An image finished (usable as a Future done-callback)."""
        with self._lock:
            self._images -= 1
            self._images_free.notify()


def idle_bounded(requests: Iterator[T], timeout_s: float) -> Iterator[T]:
    """Yield from `requests`, raising StreamIdleError when none arrives within timeout_s.

    The blocking reads happen in a daemon thread; it ends when the RPC ends (the gRPC request
    iterator then stops or raises).
    """
    inbox: queue.Queue[Any] = queue.Queue(maxsize=1)
    closed = threading.Event()

    def hand_over(item: Any) -> bool:
        while not closed.is_set():
            try:
                inbox.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for item in requests:
                if not hand_over(item):
                    return
        except Exception as exc:  # the RPC ended or was cancelled: hand the error to the reader
            hand_over(exc)
            return
        hand_over(_END)

    threading.Thread(target=pump, name="stream-reader", daemon=True).start()
    try:
        while True:
            try:
                item = inbox.get(timeout=timeout_s)
            except queue.Empty:
                raise StreamIdleError(f"No request on this stream for {timeout_s:g} s: closed") from None
            if item is _END or isinstance(item, grpc.RpcError):  # ended, or cancelled by the client
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        closed.set()
