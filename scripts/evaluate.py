"""Accuracy of the whole service over the ../shared/data sets, through its real gRPC API.

Street-photo sets go through ProcessImages (detection + recognition + pairing); plate-crop sets
through RecognizePlates. Per set it prints plate detection recall (IoU >= 0.5), exact plate-number
match (spaces ignored, O and 0 equal), character error rate and server latency p50/p95.

    python scripts/evaluate.py                       # in-process server, every evaluation set
    python scripts/evaluate.py --sets openalpr-eu --target 127.0.0.1:50051 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from clients.alpr_client import AlprClient, ImageItem
from server.datasets import is_verifiable, read_labels
from server.plates.metrics import comparable, edit_distance, is_exact, percentile

REPO = Path(__file__).resolve().parent.parent
DATA = (REPO / ".." / "shared" / "data").resolve()
SCENE_SETS = ("indonesia-exchioz", "openalpr-us", "openalpr-eu", "openalpr-br")
CROP_SETS = ("indonesia-ilpr-platecrops", "openalpr-us-platecrops")


@dataclass
class SetResult:
    """One set's figures."""

    name: str
    images: int
    plates: int
    detected: int
    exact: int
    char_errors: int
    chars: int
    failed: int
    p50_ms: float
    p95_ms: float
    scene: bool = True

    def row(self) -> dict[str, Any]:
        """Rates as fractions, for JSON and the table."""
        return {
            **asdict(self),
            "recall": self.detected / self.plates if self.plates and self.scene else None,
            "exact_rate": self.exact / self.plates if self.plates else 0.0,
            "cer": self.char_errors / self.chars if self.chars else 0.0,
        }


def _iou(a: list[int], b: list[int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def _labels(name: str) -> list[dict[str, Any]]:
    return read_labels(DATA / name)


def _usable(plate: dict[str, Any]) -> bool:
    return bool(plate.get("text")) and is_verifiable(plate)


def evaluate_scenes(client: AlprClient, name: str, limit: int | None) -> SetResult:
    """ProcessImages over a street-photo set."""
    records = [r for r in _labels(name) if any(_usable(p) for p in r["plates"])][:limit]
    items = (ImageItem.from_path(DATA / name / r["image"]) for r in records)
    by_name = {r["image"]: r for r in records}
    res = SetResult(name, len(records), 0, 0, 0, 0, 0, 0, 0.0, 0.0)
    latencies: list[float] = []
    for item, response in client.process_images(items):
        truth = [p for p in by_name[item.name]["plates"] if _usable(p)]
        res.plates += len(truth)
        if response.HasField("error"):
            res.failed += 1
            res.chars += sum(len(comparable(p["text"])) for p in truth)
            res.char_errors += sum(len(comparable(p["text"])) for p in truth)
            continue
        latencies.append(response.result.processing_time.total_ms)
        found = [(d.plate.box, d.reading.plate_number) for d in response.result.detections if d.HasField("plate")]
        for plate in truth:
            text = plate["text"]
            boxed = [(_iou([b.x1, b.y1, b.x2, b.y2], plate["box"]), t) for b, t in found] if plate.get("box") else []
            best_iou, best_text = max(boxed, default=(0.0, ""))
            res.detected += best_iou >= 0.5
            readings = [t for _, t in found]
            hit = any(is_exact(t, text) for t in readings)
            res.exact += hit
            guess = text if hit else best_text
            res.char_errors += edit_distance(comparable(guess), comparable(text))
            res.chars += len(comparable(text))
    res.p50_ms, res.p95_ms = percentile(latencies, 50), percentile(latencies, 95)
    return res


def evaluate_crops(client: AlprClient, name: str, limit: int | None) -> SetResult:
    """RecognizePlates over a plate-crop set."""
    records = [r for r in _labels(name) if _usable(r["plates"][0])][:limit]
    by_name = {r["image"]: r["plates"][0]["text"] for r in records}
    items = (ImageItem.from_path(DATA / name / r["image"]) for r in records)
    res = SetResult(name, len(records), len(records), 0, 0, 0, 0, 0, 0.0, 0.0, scene=False)
    latencies: list[float] = []
    for item, response in client.recognize_plates(items):
        text = by_name[item.name]
        read = "" if response.HasField("error") or not response.readings else response.readings[0].plate_number
        res.failed += response.HasField("error")
        latencies.append(response.total_ms)
        res.exact += is_exact(read, text)
        res.char_errors += edit_distance(comparable(read), comparable(text))
        res.chars += len(comparable(text))
    res.p50_ms, res.p95_ms = percentile(latencies, 50), percentile(latencies, 95)
    return res


@contextmanager
def in_process_server() -> Iterator[str]:
    """The real service on a loopback port, outputs in a temporary directory."""
    from server.bootstrap import build_service
    from server.config import load_settings
    from server.grpc_api.app import create_server

    configured = load_settings(environ={}).models  # the served models, resolved against the repository
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(environ={
            "GALAXY_ALPR__BASE_DIR": tmp,
            "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(REPO / configured.vehicle_detector),
            "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(REPO / configured.plate_detector),
            "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(REPO / configured.plate_recognizer),
            "GALAXY_ALPR__OCR__PROVIDER": "local",
            **{k: v for k, v in os.environ.items() if k.startswith("GALAXY_ALPR__")},
        })
        service = build_service(settings)
        server, port, _ = create_server(service.servicer, "127.0.0.1:0", max_workers=4)
        server.start()
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.stop(None)
            service.close()


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the results."""
    lines = ["| set | images | plates | detection recall | exact match | CER | p50 ms | p95 ms | failed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        recall = "-" if r["recall"] is None else f"{r['recall']:.1%} ({r['detected']}/{r['plates']})"
        lines.append(f"| {r['name']} | {r['images']} | {r['plates']} | {recall} | "
                     f"{r['exact_rate']:.1%} ({r['exact']}/{r['plates']}) | {r['cer']:.3f} | {r['p50_ms']:.0f} | "
                     f"{r['p95_ms']:.0f} | {r['failed']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Evaluate the chosen sets and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sets", nargs="+", default=[*SCENE_SETS, *CROP_SETS])
    parser.add_argument("--target", help="evaluate a running server instead of an in-process one")
    parser.add_argument("--limit", type=int, help="at most this many images per set")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"no data: {DATA} is absent", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []

    def run(target: str) -> None:
        with AlprClient(target, timeout_s=3600) as client:
            for name in args.sets:
                fn = evaluate_crops if name in CROP_SETS or name.endswith("platecrops") else evaluate_scenes
                rows.append(fn(client, name, args.limit).row())
                print(f"evaluated {name}", file=sys.stderr)

    if args.target:
        run(args.target)
    else:
        with in_process_server() as target:
            run(target)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
