"""A loopback RTSP camera: GStreamer's RTSP server streaming an H.264 MP4 as RTP (TCP or UDP, the client's choice).

Run by the *system* python3 (Debian's python3-gi and gir1.2-gst-rtsp-server-1.0, installed by
scripts/ci/install_video_deps.sh), not the project's virtual environment:

    /usr/bin/python3 scripts/rtsp_camera.py video.mp4 --port 8554 --path /cam [--user u --password p]

Each client gets the video from its start, at its real rate (the server paces RTP by the clock). With
--user/--password the stream needs RTSP basic authentication. Prints "READY rtsp://127.0.0.1:PORT/PATH"
once listening; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import gi  # type: ignore[import-not-found]  # Debian python3-gi: run by the system python3

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # type: ignore[import-not-found]  # noqa: E402

ROLE = "camera-user"


def _pipeline(video: Path) -> str:
    location = str(video).replace('"', '\\"')
    return (f'( filesrc location="{location}" ! qtdemux ! h264parse config-interval=-1 '
            "! rtph264pay name=pay0 pt=96 config-interval=1 )")


def _secure(server: GstRtspServer.RTSPServer, factory: GstRtspServer.RTSPMediaFactory, user: str,
            password: str) -> None:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", ROLE)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role_from_structure(Gst.Structure.new_empty(ROLE))
    permissions.add_permission_for_role(ROLE, "media.factory.access", True)
    permissions.add_permission_for_role(ROLE, "media.factory.construct", True)
    factory.set_permissions(permissions)


def main(argv: list[str] | None = None) -> int:
    """Serve until signalled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path, help="an MP4 holding H.264 (scripts/make_test_videos.py writes these)")
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    args = parser.parse_args(argv)
    if not args.video.is_file():
        print(f"no such video: {args.video}", file=sys.stderr)
        return 2
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(_pipeline(args.video.resolve()))
    factory.set_shared(False)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
    if args.user:
        _secure(server, factory, args.user, args.password)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print(f"READY rtsp://127.0.0.1:{args.port}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
