"""Turn ultralytics weights (`.pt`, or an official name like `yolo11n.pt`) or an existing ONNX into an
ONNX file carrying metadata: names, imgsz, stride, task, source, source_sha256, exporter.

    python scripts/export_onnx.py WEIGHTS [-o OUT.onnx] [--imgsz 640] [--opset 17] [--source TEXT]
        [--names '{"0": "plate"}'] [--static] [--no-simplify]

Importable too: `from scripts.export_onnx import export_to_onnx`. The work is done by
server.models.export, which `python -m server.models.prepare` uses as well.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from server.models.export import ExportError, ExportResult, ExportSettings, export_to_onnx
from server.models.metadata import parse_names

__all__ = ["ExportError", "ExportResult", "ExportSettings", "export_to_onnx", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="ultralytics .pt or existing .onnx -> ONNX with metadata")
    parser.add_argument("weights", help="a .pt or .onnx file, or an official name such as yolo11n.pt")
    parser.add_argument("-o", "--output", type=Path, help="output .onnx (default: models/<stem>.onnx)")
    parser.add_argument("--imgsz", type=int, default=640, help="square input size for .pt exports")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset for .pt exports (at most 17)")
    parser.add_argument("--source", help="the `source` metadata text (default: the weights argument)")
    parser.add_argument("--names", help="class names as JSON, overriding the model's own")
    parser.add_argument("--static", action="store_true", help="fixed batch instead of a dynamic one")
    parser.add_argument("--no-simplify", action="store_true", help="skip onnxslim")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    output = args.output or Path("models") / f"{Path(args.weights).stem}.onnx"
    try:
        settings = ExportSettings(
            imgsz=args.imgsz, opset=args.opset, dynamic=not args.static, simplify=not args.no_simplify
        )
        names = parse_names(args.names) if args.names else None
        result = export_to_onnx(args.weights, output, description=args.source, settings=settings, names=names)
    except (ExportError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {result.output} ({'converted' if result.converted else 'stamped'}; source {result.source})")
    for key in ("names", "imgsz", "stride", "task", "source_sha256", "exporter"):
        value = result.metadata[key]
        print(f"  {key}: {value if len(value) <= 100 else value[:97] + '...'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
