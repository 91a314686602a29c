"""The thin gRPC face of the video data plane: unpack, call, pack."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import grpc

from galaxy.alpr.v1 import video_service_pb2 as vpb
from galaxy.alpr.v1 import video_service_pb2_grpc as vpb_grpc
from server.errors import InvalidInputError, Reason, StreamUnavailableError
from server.grpc_api import video_convert as convert
from server.grpc_api.status import item_error
from server.video.cameras import CameraManager
from server.video.decode import check_size
from server.video.events import TrackEvent
from server.video.plane import PushedFrame, VideoPlane
from server.video.runner import VideoProgress

Now = Callable[[], datetime]


class VideoServicer(vpb_grpc.VideoServiceServicer):
    """VideoService over a VideoPlane and the configured cameras."""

    def __init__(self, plane: VideoPlane, cameras: CameraManager, now: Now) -> None:
        self._plane = plane
        self._cameras = cameras
        self._now = now
        self._streams = threading.BoundedSemaphore(plane.settings.video.max_streams)

    @contextmanager
    def _stream_slot(self) -> Iterator[None]:
        """One of the video.max_streams slots for a long-lived call, or STREAM_LIMIT (503) at once."""
        if not self._streams.acquire(blocking=False):
            raise StreamUnavailableError("Too many video streams are open; try again later",
                                         reason=Reason.STREAM_LIMIT)
        try:
            yield
        finally:
            self._streams.release()

    def _moment(self) -> datetime:
        return self._now().astimezone(self._plane.settings.tz)

    def _event(self, event: TrackEvent) -> vpb.TrackEvent:
        return convert.track_event(event, self._moment())

    def TrackFrames(self, request_iterator: Iterator[vpb.TrackFramesRequest],
                    context: grpc.ServicerContext) -> Iterator[vpb.TrackFramesResponse]:
        """One response per frame with its events; then the FINALs of every source's open tracks."""
        pushed = (PushedFrame(r.request_id, r.image, r.time_s, r.source_id) for r in request_iterator)
        for result in self._plane.track_frames(pushed):
            if result.error is not None:
                yield vpb.TrackFramesResponse(request_id=result.request_id, error=item_error(result.error))
            else:
                yield vpb.TrackFramesResponse(request_id=result.request_id,
                                              events=[self._event(e) for e in result.events])

    def ProcessVideo(self, request_iterator: Iterator[vpb.ProcessVideoRequest],
                     context: grpc.ServicerContext) -> Iterator[vpb.ProcessVideoResponse]:
        """Gather the chunks (within the size limit), then stream events and the summary."""
        chunks: list[bytes] = []
        size = 0
        first: vpb.ProcessVideoRequest | None = None
        for request in request_iterator:
            if first is None:
                first = request
            size += len(request.chunk)
            check_size(size, self._plane.limits)
            chunks.append(request.chunk)
        if first is None:
            raise InvalidInputError("No video was sent", reason=Reason.EMPTY_FILE)
        sample_fps = first.sample_fps if first.HasField("sample_fps") else None
        if sample_fps is not None and sample_fps < 0:
            raise InvalidInputError("sample_fps must not be negative", reason=Reason.INVALID_ARGUMENT)
        for item in self._plane.process_bytes(b"".join(chunks), camera_id=first.camera_id, sample_fps=sample_fps):
            if not context.is_active():
                return
            if isinstance(item, TrackEvent):
                yield vpb.ProcessVideoResponse(event=self._event(item))
            elif isinstance(item, VideoProgress):
                yield vpb.ProcessVideoResponse(progress=vpb.VideoProgress(
                    time_s=item.time_s, duration_s=item.duration_s, frames_processed=item.frames_processed))
            else:
                yield vpb.ProcessVideoResponse(summary=convert.video_summary(item))

    def WatchStream(self, request: vpb.WatchStreamRequest,
                    context: grpc.ServicerContext) -> Iterator[vpb.WatchStreamResponse]:
        """Events and connection changes of the stream until the client cancels."""
        stop = threading.Event()
        context.add_callback(stop.set)
        sample_fps = request.sample_fps if request.HasField("sample_fps") else None
        with self._stream_slot():
            for item in self._plane.watch(request.url, source_id=request.source_id or "stream", stop=stop,
                                          sample_fps=sample_fps):
                if isinstance(item, TrackEvent):
                    yield vpb.WatchStreamResponse(event=self._event(item))
                else:
                    yield vpb.WatchStreamResponse(status=convert.stream_status(item))

    def SubscribeEvents(self, request: vpb.SubscribeEventsRequest,
                        context: grpc.ServicerContext) -> Iterator[vpb.SubscribeEventsResponse]:
        """The configured cameras' events until the client cancels."""
        unknown = sorted(set(request.camera_ids) - self._cameras.ids())
        if unknown:
            raise InvalidInputError(f"Unknown camera ids: {', '.join(unknown)}", reason=Reason.UNKNOWN_CAMERA)
        active = threading.Event()
        active.set()
        context.add_callback(active.clear)
        with self._stream_slot():
            subscription = self._cameras.hub.subscribe(frozenset(request.camera_ids))
            context.send_initial_metadata(())  # accepted: the client may now wait for events
            try:
                for event in subscription.events(active):
                    yield vpb.SubscribeEventsResponse(event=self._event(event))
            finally:
                subscription.close()

    def ListCameras(self, request: vpb.ListCamerasRequest, context: grpc.ServicerContext) -> vpb.ListCamerasResponse:
        """Every configured camera and its state."""
        return vpb.ListCamerasResponse(cameras=[convert.camera_info(v) for v in self._cameras.views()],
                                       replicas=self._cameras.replicas())
