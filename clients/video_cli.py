"""galaxy-alpr video FILE|URL: track a video file or a stream on the server, events as JSON lines.

    galaxy-alpr video clip.mp4 -o events.jsonl     # upload, progress bar, events, then the summary
    galaxy-alpr video rtsp://camera/stream         # the server reads the stream until Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf.json_format import MessageToDict
from tqdm import tqdm

from galaxy.alpr.v1 import video_service_pb2 as vpb
from galaxy.alpr.v1 import video_service_pb2_grpc as vpb_grpc

CHUNK = 1024 * 1024
STREAM_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://")
MAX_MESSAGE_BYTES = 32 * 1024 * 1024


def _chunks(path: Path, first: vpb.ProcessVideoRequest) -> Iterator[vpb.ProcessVideoRequest]:
    with path.open("rb") as handle:
        chunk = handle.read(CHUNK)
        first.chunk = chunk
        yield first
        while chunk := handle.read(CHUNK):
            yield vpb.ProcessVideoRequest(chunk=chunk)


def _line(out: IO[str], message: Any) -> None:
    out.write(json.dumps(MessageToDict(message, preserving_proto_field_name=True), ensure_ascii=False) + "\n")
    out.flush()


def _process_file(stub: vpb_grpc.VideoServiceStub, path: Path, args: argparse.Namespace, out: IO[str]) -> None:
    first = vpb.ProcessVideoRequest(file_name=path.name, camera_id=args.camera_id)
    if args.sample_fps is not None:
        first.sample_fps = args.sample_fps
    bar = tqdm(total=None, unit="s", desc=path.name, disable=not sys.stderr.isatty(), bar_format=None)
    done = 0.0
    for response in stub.ProcessVideo(_chunks(path, first), timeout=args.timeout):
        kind = response.WhichOneof("payload")
        if kind == "progress":
            p = response.progress
            if p.duration_s and bar.total is None:
                bar.total = round(p.duration_s, 1)
            bar.update(round(p.time_s - done, 1))
            done = p.time_s
        elif kind == "event":
            _line(out, response.event)
        elif kind == "summary":
            if bar.total:
                bar.update(max(0.0, bar.total - done))
            bar.close()
            _line(out, response.summary)


def _watch(stub: vpb_grpc.VideoServiceStub, url: str, args: argparse.Namespace, out: IO[str]) -> None:
    request = vpb.WatchStreamRequest(url=url, source_id=args.camera_id or "stream")
    if args.sample_fps is not None:
        request.sample_fps = args.sample_fps
    bar = tqdm(unit="event", desc=url, disable=not sys.stderr.isatty())
    for response in stub.WatchStream(request, timeout=args.timeout):
        if response.WhichOneof("payload") == "event":
            _line(out, response.event)
            bar.update(1)
        else:
            status = response.status
            bar.set_postfix_str(f"{vpb.StreamState.Name(status.state)} {status.message}".strip())


def main(argv: list[str] | None = None) -> int:
    """Run one video or stream; exit 3 when the call fails."""
    parser = argparse.ArgumentParser(prog="galaxy-alpr video", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("source", help="a video file, or a stream URL (rtsp://, http(s)://) the server reads")
    parser.add_argument("--target", default="127.0.0.1:50051", help="gRPC target (host:port)")
    parser.add_argument("--output", "-o", help="JSON lines file (default: stdout)")
    parser.add_argument("--sample-fps", type=float, default=None, help="frames analysed per second")
    parser.add_argument("--camera-id", default="", help="the events' source id")
    parser.add_argument("--timeout", type=float, default=None, help="deadline for the whole call, seconds")
    args = parser.parse_args(argv)
    is_stream = args.source.startswith(STREAM_PREFIXES)
    if not is_stream and not Path(args.source).is_file():
        print(f"galaxy-alpr video: no such file: {args.source}", file=sys.stderr)
        return 2
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    options = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
               ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
    try:
        with grpc.insecure_channel(args.target, options=options) as channel:
            stub = vpb_grpc.VideoServiceStub(channel)
            if is_stream:
                _watch(stub, args.source, args, out)
            else:
                _process_file(stub, Path(args.source), args, out)
    except KeyboardInterrupt:
        return 0
    except grpc.RpcError as exc:
        call: Any = exc
        print(f"galaxy-alpr video: gRPC call failed: {call.code().name}: {call.details()}", file=sys.stderr)
        return 3
    finally:
        if out is not sys.stdout:
            out.close()
    return 0
