"""RTSP cameras: GStreamer's RTSP server on loopback streams a real H.264 video as RTP, one camera over TCP
and one over UDP, both behind basic authentication; the server watches them, events arrive, a server
restart is survived, and the credentials of the rtsp://user:password@ URLs show nowhere."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from fastapi.testclient import TestClient

from galaxy.alpr.v1 import video_service_pb2 as vpb
from galaxy.alpr.v1 import video_service_pb2_grpc as vpb_grpc
from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from scripts.make_test_videos import VideoPlan
from server.bootstrap import build_service
from server.grpc_api.app import create_server
from tests.conftest import REPO_ROOT, make_settings
from tests.server.video.test_live_camera import Collector, _wait
from tests.support.served import free_port

SYSTEM_PYTHON = "/usr/bin/python3"
SECRET = "s3cr3t-pw"
CAMERAS = ("rtsp-tcp", "rtsp-udp")


def _gstreamer_missing() -> str:
    probe = ("import gi; gi.require_version('GstRtspServer', '1.0'); "
             "from gi.repository import GstRtspServer")
    try:
        done = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"no system python3 with GObject introspection ({exc})"
    return "" if done.returncode == 0 else "GStreamer's RTSP server is not installed (scripts/ci/install_video_deps.sh)"


MISSING = _gstreamer_missing()
pytestmark = pytest.mark.skipif(bool(MISSING), reason=MISSING or "-")


def _serve(video: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [SYSTEM_PYTHON, str(REPO_ROOT / "scripts" / "rtsp_camera.py"), str(video), "--port", str(port),
         "--user", "viewer", "--password", SECRET], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("READY"), line + process.stdout.read()
    return process


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(10)


@dataclass
class RtspSetup:
    target: str
    port: int
    video: Path


@pytest.fixture
def rtsp_service(tmp_path: Path, two_vehicles: VideoPlan) -> Iterator[RtspSetup]:
    port = free_port()
    url = f"rtsp://viewer:{SECRET}@127.0.0.1:{port}/cam"
    cameras = ", ".join(f'{{id: {cid}, url: "{url}", sample_fps: 4, rtsp_transport: {cid.split("-")[1]}}}'
                        for cid in CAMERAS)
    settings = make_settings(tmp_path, GALAXY_ALPR__CAMERAS=f"[{cameras}]",
                             GALAXY_ALPR__VIDEO__RECONNECT_INITIAL_S="0.2", GALAXY_ALPR__VIDEO__RECONNECT_MAX_S="1.0")
    service = build_service(settings)
    server, grpc_port, _ = create_server(service.servicer, "127.0.0.1:0", video=service.video)
    server.start()
    service.cameras.start()  # reconnecting until the test's RTSP server is up
    try:
        yield RtspSetup(f"127.0.0.1:{grpc_port}", port, two_vehicles.path)
    finally:
        server.stop(grace=None)
        service.close()


def _states(stub: vpb_grpc.VideoServiceStub) -> dict[str, vpb.CameraInfo]:
    return {c.camera_id: c for c in stub.ListCameras(vpb.ListCamerasRequest(), timeout=5).cameras}


def test_rtsp_cameras_over_tcp_and_udp_survive_a_server_restart(rtsp_service: RtspSetup, two_vehicles: VideoPlan,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    truth = {v.plate.replace(" ", "") for v in two_vehicles.vehicles}
    camera = _serve(rtsp_service.video, rtsp_service.port)
    with grpc.insecure_channel(rtsp_service.target) as channel:
        stub = vpb_grpc.VideoServiceStub(channel)
        collector = Collector(stub, CAMERAS)
        try:
            for cid in CAMERAS:
                assert _wait(lambda cid=cid: collector.finals_after(0, cid), 90), f"no FINAL from {cid}"
            assert all(c.status.state == vpb.STREAM_STATE_STREAMING for c in _states(stub).values())

            _stop(camera)  # the RTSP server goes away
            assert _wait(lambda: all(c.status.state == vpb.STREAM_STATE_RECONNECTING
                                     for c in _states(stub).values()), 20)
            restarted = time.monotonic()
            camera = _serve(rtsp_service.video, rtsp_service.port)  # and comes back
            for cid in CAMERAS:
                assert _wait(lambda cid=cid: collector.finals_after(restarted, cid), 90), f"{cid} did not resume"
            states = _states(stub)
            assert all(c.status.reconnects >= 1 for c in states.values())
            plates = {e.vehicle.plate_number.replace(" ", "") for e in collector.finals_after(0)}
            assert plates & truth, f"no plate of the video among {plates}"

            # The credentials show nowhere: camera listings, REST /health and /stats, events, logs.
            listing = str(stub.ListCameras(vpb.ListCamerasRequest(), timeout=5))
            assert SECRET not in listing and "viewer" not in listing
            with TestClient(create_app(BridgeSettings(grpc_target=rtsp_service.target))) as rest:
                for path in ("/galaxy-alpr/v1/health", "/galaxy-alpr/v1/stats"):
                    body = rest.get(path).text
                    assert SECRET not in body and f"rtsp://127.0.0.1:{rtsp_service.port}/cam" in body, path
            assert all(SECRET not in str(e) for _, e in collector.events)
            assert not [r.getMessage() for r in caplog.records if SECRET in r.getMessage()]
        finally:
            collector.cancel()
            _stop(camera)
