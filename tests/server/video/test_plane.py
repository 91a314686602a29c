"""The video plane over its frame sources: uploads and files read once, live URLs reopened, pushed frames."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import pytest

from scripts.make_test_videos import VideoPlan
from server.bootstrap import Service, utc_now
from server.errors import InvalidPathError
from server.storage.artefacts import ArtefactStore, OutputDirs
from server.video.decode import VideoReader
from server.video.events import EventKind, TrackEvent
from server.video.plane import PushedFrame, StreamState, StreamStatus, VideoPlane
from server.video.runner import VideoSummary
from server.video.sources import UploadedVideo
from tests.server.video.truth import fold


def _plane(service: Service, root: Path, allowed: Path | None = None, **video_settings: object) -> VideoPlane:
    video = service.settings.video.model_copy(update={"allowed_dirs": (str(allowed),) if allowed else (),
                                                      **video_settings})
    settings = service.settings.model_copy(update={"video": video})
    store = ArtefactStore(OutputDirs.from_settings(settings.output, root), save_images=True)
    return VideoPlane(settings, service.analyzer, store, utc_now)


def test_an_upload_and_the_same_file_give_the_same_vehicles(service: Service, two_vehicles: VideoPlan,
                                                           tmp_path: Path) -> None:
    plane = _plane(service, tmp_path)
    upload = list(plane.run(UploadedVideo(two_vehicles.path.read_bytes()), camera_id="up", sample_fps=2))
    file = list(plane.process_path(two_vehicles.path, camera_id="file", sample_fps=2))
    summaries = [items[-1] for items in (upload, file)]
    assert all(isinstance(s, VideoSummary) for s in summaries)
    plates = [sorted(fold(v.plate_number) for v in s.vehicles) for s in summaries if isinstance(s, VideoSummary)]
    assert plates[0] == plates[1] and plates[0]


def test_watching_a_file_reads_it_once_and_stops(service: Service, two_vehicles: VideoPlan, tmp_path: Path) -> None:
    plane = _plane(service, tmp_path, allowed=two_vehicles.path.parent)
    items = list(plane.watch(str(two_vehicles.path), source_id="f", stop=threading.Event(), sample_fps=2))
    statuses = [i for i in items if isinstance(i, StreamStatus)]
    assert [s.state for s in statuses] == [StreamState.STREAMING, StreamState.STOPPED]
    assert any(isinstance(i, TrackEvent) and i.kind is EventKind.FINAL for i in items)
    with pytest.raises(InvalidPathError):  # the same file is refused where it is not allowed
        next(_plane(service, tmp_path).watch(str(two_vehicles.path), source_id="f", stop=threading.Event()))


def test_an_unreachable_camera_is_retried_until_stopped(service: Service, tmp_path: Path) -> None:
    plane = _plane(service, tmp_path, reconnect_initial_s=0.05, reconnect_max_s=0.1)
    stop = threading.Event()
    items = []
    for item in plane.watch("rtsp://user:secret@127.0.0.1:9/none", source_id="cam", stop=stop):
        items.append(item)
        if sum(1 for i in items if isinstance(i, StreamStatus) and i.state is StreamState.RECONNECTING) >= 2:
            stop.set()
    states = [i.state for i in items if isinstance(i, StreamStatus)]
    assert states[0] is StreamState.CONNECTING and states[-1] is StreamState.STOPPED
    assert all(isinstance(i, StreamStatus) for i in items)  # never connected: no session, no event
    assert all("secret" not in i.message for i in items if isinstance(i, StreamStatus))


def test_pushed_frames_a_bad_frame_loses_only_itself(service: Service, two_vehicles: VideoPlan,
                                                     tmp_path: Path) -> None:
    plane = _plane(service, tmp_path)
    with VideoReader.from_path(two_vehicles.path, plane.limits) as reader:
        frames = [f for f in reader.frames(lambda t: round(t * 10) % 2 == 0)]
    pushed = [PushedFrame(f"f{f.index}", cv2.imencode(".jpg", f.image)[1].tobytes(), f.t_s, "a") for f in frames]
    pushed.insert(len(pushed) // 2, PushedFrame("bad", b"not an image", 1.0, "a"))
    pushed.append(PushedFrame("other", pushed[0].image, 0.0, "b"))  # another source: its own session
    results = list(plane.track_frames(pushed))
    assert [r.request_id for r in results] == [p.request_id for p in pushed] + [""]
    errors = {r.request_id: r.error for r in results if r.error is not None}
    assert list(errors) == ["bad"] and errors["bad"] is not None and errors["bad"].reason == "UNSUPPORTED_FORMAT"
    finals = [e for r in results for e in r.events if e.kind is EventKind.FINAL]
    truth = {fold(v.plate) for v in two_vehicles.vehicles}
    assert {fold(e.vehicle.plate_number) for e in finals if e.source_id == "a"} & truth
