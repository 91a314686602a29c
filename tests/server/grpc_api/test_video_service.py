"""VideoService over a real gRPC channel: real encoded videos, real models."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import grpc
import pytest

from galaxy.alpr.v1 import video_service_pb2 as vpb
from galaxy.alpr.v1 import video_service_pb2_grpc as vpb_grpc
from scripts.make_test_videos import VideoPlan
from server.video.decode import VideoLimits, VideoReader
from tests.server.video.truth import fold

CHUNK = 64 * 1024


@pytest.fixture
def video_stub(grpc_target: str) -> Iterator[vpb_grpc.VideoServiceStub]:
    """A VideoService stub over a real channel."""
    with grpc.insecure_channel(grpc_target) as channel:
        yield vpb_grpc.VideoServiceStub(channel)


def _upload(data: bytes, **options: object) -> Iterator[vpb.ProcessVideoRequest]:
    first = True
    for i in range(0, max(1, len(data)), CHUNK):
        if first:
            yield vpb.ProcessVideoRequest(chunk=data[i:i + CHUNK], file_name="v.mp4", **options)  # type: ignore[arg-type]
            first = False
        else:
            yield vpb.ProcessVideoRequest(chunk=data[i:i + CHUNK])


def _error_reason(exc: grpc.RpcError) -> str:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    status = rpc_status.from_call(exc)
    assert status is not None
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


def test_process_video_reads_each_vehicle_once(video_stub: vpb_grpc.VideoServiceStub, two_vehicles: VideoPlan) -> None:
    responses = list(video_stub.ProcessVideo(_upload(two_vehicles.path.read_bytes(), camera_id="gate-1"), timeout=300))
    events = [r.event for r in responses if r.HasField("event")]
    summaries = [r.summary for r in responses if r.HasField("summary")]
    assert len(summaries) == 1 and responses[-1].HasField("summary")
    summary = summaries[0]
    assert summary.video.frames == two_vehicles.frames
    assert summary.video.width == 640 and summary.video.height == 360 and summary.video.fps == 10
    assert 0 < summary.video.frames_processed < summary.video.frames  # sampled at video.sample_fps
    finals = [e for e in events if e.kind == vpb.TRACK_EVENT_KIND_FINAL]
    assert sorted(e.vehicle.track_id for e in finals) == sorted({e.vehicle.track_id for e in finals})
    assert {e.vehicle.track_id for e in events} <= {v.track_id for v in summary.vehicles}
    assert all(e.source_id == "gate-1" for e in events)
    truth = [fold(v.plate) for v in two_vehicles.vehicles]
    read = [fold(v.plate_number) for v in summary.vehicles if v.plate_number]
    assert sum(1 for t in truth if t in read) >= 1  # real reads of real photos; the accuracy script measures all
    for vehicle in summary.vehicles:
        assert vehicle.frames_seen >= 1 and vehicle.last_seen_s >= vehicle.first_seen_s
        assert vehicle.direction in {"approaching", "leaving", "left", "right", "stationary"}
        if vehicle.plate_number:
            assert vehicle.votes >= 1 and vehicle.candidates and vehicle.best_plate_image_path
            assert 0 < vehicle.confidence <= 1
            assert sum(c.share for c in vehicle.candidates) <= 1.0001
    new_tracks = [e.vehicle.track_id for e in events if e.kind == vpb.TRACK_EVENT_KIND_NEW]
    assert len(new_tracks) == len(set(new_tracks))


@pytest.mark.parametrize(("data", "reason", "code"), [
    (b"", "EMPTY_FILE", grpc.StatusCode.INVALID_ARGUMENT),
    (b"\xff\xd8\xff\xe0 this is a jpeg, not a video" + bytes(64), "NOT_A_VIDEO", grpc.StatusCode.INVALID_ARGUMENT),
    (b"\x00\x00\x00\x20ftypisom" + bytes(300), "VIDEO_TRUNCATED", grpc.StatusCode.INVALID_ARGUMENT),
])
def test_process_video_refuses_bad_input(video_stub: vpb_grpc.VideoServiceStub, data: bytes, reason: str,
                                         code: grpc.StatusCode) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        list(video_stub.ProcessVideo(_upload(data), timeout=30))
    assert caught.value.code() == code
    assert _error_reason(caught.value) == reason


def test_track_frames_streams_events_per_frame(video_stub: vpb_grpc.VideoServiceStub, two_vehicles: VideoPlan) -> None:
    reader = VideoReader.from_path(two_vehicles.path, VideoLimits(10**9, 600, 160, 120, 4096, 4096))
    requests = []
    for frame in reader.frames(lambda t: round(t * 10) % 2 == 0):  # 5 fps, JPEG encoded by the client
        ok, jpeg = cv2.imencode(".jpg", frame.image)
        assert ok
        requests.append(vpb.TrackFramesRequest(request_id=f"f{frame.index}", source_id="client-cam",
                                               time_s=frame.t_s, image=jpeg.tobytes()))
    requests.append(vpb.TrackFramesRequest(request_id="bad", source_id="client-cam", time_s=99, image=b"nope"))
    responses = list(video_stub.TrackFrames(iter(requests), timeout=300))
    assert [r.request_id for r in responses[:-1]] == [r.request_id for r in requests]
    assert responses[-1].request_id == ""
    assert responses[-2].error.reason == "UNSUPPORTED_FORMAT"
    events = [e for r in responses for e in r.events]
    finals = [e for e in events if e.kind == vpb.TRACK_EVENT_KIND_FINAL]
    assert finals and len({e.vehicle.track_id for e in finals}) == len(finals)
    truth = {fold(v.plate) for v in two_vehicles.vehicles}
    assert any(fold(e.vehicle.plate_number) in truth for e in finals)
    assert all(e.source_id == "client-cam" for e in events)


def test_watch_stream_refuses_files_outside_allowed_dirs(video_stub: vpb_grpc.VideoServiceStub,
                                                         two_vehicles: VideoPlan) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        list(video_stub.WatchStream(vpb.WatchStreamRequest(url=str(two_vehicles.path)), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _error_reason(caught.value) == "INVALID_PATH"


def test_subscribe_refuses_unknown_cameras(video_stub: vpb_grpc.VideoServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        next(iter(video_stub.SubscribeEvents(vpb.SubscribeEventsRequest(camera_ids=["nope"]), timeout=10)))
    assert _error_reason(caught.value) == "UNKNOWN_CAMERA"
    assert list(video_stub.ListCameras(vpb.ListCamerasRequest(), timeout=10).cameras) == []


def test_long_lived_streams_are_bounded_and_image_calls_still_served(video_stub: vpb_grpc.VideoServiceStub,
                                                                      grpc_target: str) -> None:
    from galaxy.alpr.v1 import alpr_service_pb2 as pb
    from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
    from server.config import VideoSettings

    slots = VideoSettings().max_streams
    open_calls = []
    try:
        for _ in range(slots):
            call = video_stub.SubscribeEvents(vpb.SubscribeEventsRequest())
            call.initial_metadata()  # accepted
            open_calls.append(call)
        with pytest.raises(grpc.RpcError) as caught:
            next(iter(video_stub.SubscribeEvents(vpb.SubscribeEventsRequest(), timeout=10)))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert _error_reason(caught.value) == "STREAM_LIMIT"
        with grpc.insecure_channel(grpc_target) as channel:
            info = pb_grpc.AlprServiceStub(channel).GetServiceInfo(pb.GetServiceInfoRequest(), timeout=10)
        assert info.name
    finally:
        for call in open_calls:
            call.cancel()
