"""galaxy-alpr: run a stage over files or folders and write JSON lines.

    galaxy-alpr photos/ more.jpg --stage process --output results.jsonl
    galaxy-alpr video clip.mp4 | rtsp://camera/stream   (see clients/video_cli.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
from google.protobuf.json_format import MessageToDict
from tqdm import tqdm

from clients.alpr_client import AlprClient, ImageItem, StageName

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def find_images(paths: list[str]) -> list[Path]:
    """Files as given, plus every image under given folders (sorted, recursive)."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES))
        elif p.is_file():
            found.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
    return found


def _items(files: list[Path], custom_timestamp: str) -> Iterator[ImageItem]:
    for f in files:
        yield ImageItem(name=f.name, content=f.read_bytes(), batch_prefix=custom_timestamp)


def main(argv: list[str] | None = None) -> int:
    """Process the given images over one gRPC stream; exit 1 if any image failed."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["video"]:
        from clients.video_cli import main as video_main

        return video_main(argv[1:])
    parser = argparse.ArgumentParser(prog="galaxy-alpr", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("paths", nargs="+", help="image files or folders")
    parser.add_argument("--stage", choices=["process", "vehicles", "plates", "ocr", "recognize"], default="process")
    parser.add_argument("--target", default="127.0.0.1:50051", help="gRPC target (host:port)")
    parser.add_argument("--output", "-o", help="JSON lines file (default: stdout)")
    parser.add_argument("--prefix", default="", help="file-name prefix for saved artefacts")
    parser.add_argument("--timeout", type=float, default=None, help="deadline for the whole call, seconds")
    args = parser.parse_args(argv)
    try:
        files = find_images(args.paths)
    except FileNotFoundError as exc:
        print(f"galaxy-alpr: {exc}", file=sys.stderr)
        return 2
    stage: StageName = args.stage
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    failures = 0
    try:
        with AlprClient(args.target, timeout_s=args.timeout) as client:
            progress = tqdm(total=len(files), unit="img", disable=not sys.stderr.isatty() and args.output is None)
            for item, response in client.stream(stage, _items(files, args.prefix)):
                record = {"file": item.name, **MessageToDict(response, preserving_proto_field_name=True)}
                failures += "error" in record
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                progress.update(1)
            progress.close()
    except grpc.RpcError as exc:
        print(f"galaxy-alpr: gRPC call failed: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 3
    finally:
        if out is not sys.stdout:
            out.close()
    if failures:
        print(f"galaxy-alpr: {failures} of {len(files)} images failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
