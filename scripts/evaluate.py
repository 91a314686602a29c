"""Accuracy of the whole service over the ../shared/data sets, through its real gRPC API.

Street-photo sets go through ProcessImages (detection + recognition + pairing); plate-crop sets
through RecognizePlates. Per set it prints plate detection recall (IoU >= 0.5), exact plate-number
match (spaces ignored), lenient exact match (also O and 0 equal), character error rate, confident
wrong reads per image (confidence >= 0.5, matching no labelled plate), confident valid right reads
(plate_valid and confidence >= 0.5: what a client filtering on both keeps), the expected calibration
error of the reads' confidences, server latency p50/p95 and reading time per read plate (the
pipeline's plate_recognition_ms over the plates it read, p50). Each set is also reported by kind, in
the same run: `indonesia-exchioz` as its motorcycle (K1/K2) and car (K3/K4) photos, crop sets as
motorcycle-shaped (width under 2.6x the height) and car-shaped crops, and every set by the plate
background colour the service measured on the labelled plate's read. The top character confusions
(truth -> read along an edit alignment, O and 0 one character) follow the table.

    python scripts/evaluate.py                       # in-process server, every evaluation set
    python scripts/evaluate.py --sets openalpr-eu --target 127.0.0.1:50051 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clients.alpr_client import AlprClient, ImageItem
from server.datasets import is_verifiable, read_labels
from server.plates.calibration import expected_calibration_error
from server.plates.metrics import comparable, confusions, edit_distance, is_exact, percentile

REPO = Path(__file__).resolve().parent.parent
DATA = (REPO / ".." / "shared" / "data").resolve()
SCENE_SETS = ("indonesia-exchioz", "openalpr-us", "openalpr-eu", "openalpr-br")
CROP_SETS = ("indonesia-ilpr-platecrops", "openalpr-us-platecrops")
CONFIDENT = 0.5
# indonesia-exchioz file-name kinds (in each record's `source`): K1/K2 motorcycles, K3/K4 cars.
KINDS = {"K1": "motorcycles", "K2": "motorcycles", "K3": "cars", "K4": "cars"}
MOTORCYCLE_ASPECT = 2.6  # Indonesian motorcycle plates are about 2.4:1, car plates 2.9:1 (INDONESIA.md)
TOP_CONFUSIONS = 12
MISSING = "''"  # a dropped or extra character in the confusion listing


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
    strict: int = 0  # exact without folding O into 0
    confident_wrong: int = 0  # reads at confidence >= 0.5 that match no labelled plate
    kept_right: int = 0  # labelled plates read right by a read with plate_valid and confidence >= 0.5
    calibration: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right) of every read
    wrong: list[str] = field(default_factory=list)  # the confident wrong reads, "image: text (confidence, ...)"
    confused: Counter[tuple[str, str]] = field(default_factory=Counter)  # (truth, read) character errors
    latencies: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)  # reading time per read plate, one entry per image

    def finish(self) -> None:
        """Fill in the latency percentiles."""
        self.p50_ms, self.p95_ms = percentile(self.latencies, 50), percentile(self.latencies, 95)

    def row(self) -> dict[str, Any]:
        """Rates as fractions, for JSON and the table."""
        hidden = ("calibration", "wrong", "confused", "latencies", "read_ms")
        out = {k: v for k, v in asdict(self).items() if k not in hidden}
        return {
            **out,
            "recall": self.detected / self.plates if self.plates and self.scene else None,
            "strict_rate": self.strict / self.plates if self.plates else 0.0,
            "exact_rate": self.exact / self.plates if self.plates else 0.0,
            "cer": self.char_errors / self.chars if self.chars else 0.0,
            "confident_wrong_per_image": self.confident_wrong / self.images if self.images else 0.0,
            "kept_right_rate": self.kept_right / self.plates if self.plates else 0.0,
            "reads": len(self.calibration),
            "ece": expected_calibration_error(self.calibration),
            "confident_wrong_reads": self.wrong,
            "read_ms_per_plate_p50": percentile(self.read_ms, 50) if self.read_ms else None,
            "top_confusions": [[t, r, n] for (t, r), n in self.confused.most_common(TOP_CONFUSIONS)],
        }


def strict_exact(predicted: str, truth: str) -> bool:
    """Exact match with spaces and punctuation ignored, O and 0 kept apart."""
    def clean(text: str) -> str:
        return "".join(c for c in text.upper() if c.isalnum())
    return clean(predicted) == clean(truth)


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


def _kind(record: dict[str, Any]) -> str:
    """motorcycles / cars from the exchioz file-name kind in `source`, "" when there is none."""
    base = str(record.get("source", "")).rsplit("/", 1)[-1]
    return KINDS.get(base.split("-", 1)[0], "")


class Groups:
    """A set's results, and the same figures for each kind of image in it, created as kinds appear."""

    def __init__(self, name: str, scene: bool) -> None:
        self.name = name
        self.scene = scene
        self.results: dict[str, SetResult] = {}

    def __getitem__(self, kind: str) -> SetResult:
        if kind not in self.results:
            label = f"{self.name} ({kind})" if kind else self.name
            self.results[kind] = SetResult(label, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, scene=self.scene)
        return self.results[kind]

    def ordered(self) -> list[SetResult]:
        """The whole set first, then its kinds (vehicle or shape kinds, then colours)."""
        for res in self.results.values():
            res.finish()
        return sorted(self.results.values(), key=lambda r: (r.name != self.name, "colour" in r.name, r.name))


def _colour(readings: list[Any]) -> str:
    """'colour: <background>' of the first reading that has one, '' otherwise."""
    colours = [r.plate_background_color for r in readings if r.plate_number and r.plate_background_color]
    return f"colour: {colours[0]}" if colours else ""


def evaluate_scenes(client: AlprClient, name: str, limit: int | None) -> list[SetResult]:
    """ProcessImages over a street-photo set: the whole set, then its kinds (motorcycles, cars; colours)."""
    records = [r for r in _labels(name) if any(_usable(p) for p in r["plates"])][:limit]
    items = (ImageItem.from_path(DATA / name / r["image"]) for r in records)
    by_name = {r["image"]: r for r in records}
    groups = Groups(name, scene=True)
    for item, response in client.process_images(items):
        record = by_name[item.name]
        colour = "" if response.HasField("error") else _colour(_matched_readings(record, response))
        for key in dict.fromkeys(("", _kind(record), colour)):
            groups[key].images += 1
            _score_scene(groups[key], record, response)
    return groups.ordered()


def _matched_readings(record: dict[str, Any], response: Any) -> list[Any]:
    """The readings of the detections that overlap a labelled plate (IoU >= 0.5)."""
    boxes = [p["box"] for p in record["plates"] if _usable(p) and p.get("box")]
    return [d.reading for d in response.result.detections if d.HasField("plate") and any(
        _iou([d.plate.box.x1, d.plate.box.y1, d.plate.box.x2, d.plate.box.y2], b) >= 0.5 for b in boxes)]


def _describe(image: str, reading: Any, detection: float | None) -> str:
    """One confident wrong read, for the listing."""
    det = "" if detection is None else f", detection {detection:.2f}"
    return (f"{image}: {reading.plate_number!r} ({reading.confidence_score:.2f}, {reading.ocr_provider}, "
            f"valid {reading.plate_valid}{det})")


def _score_scene(res: SetResult, record: dict[str, Any], response: Any) -> None:
    """Add one photo's response to a set's figures."""
    truth = [p for p in record["plates"] if _usable(p)]
    res.plates += len(truth)
    if response.HasField("error"):
        res.failed += 1
        res.chars += sum(len(comparable(p["text"])) for p in truth)
        res.char_errors += sum(len(comparable(p["text"])) for p in truth)
        return
    res.latencies.append(response.result.processing_time.total_ms)
    plates = [d for d in response.result.detections if d.HasField("plate")]
    read = sum(bool(d.reading.plate_number) for d in plates)
    if read:
        res.read_ms.append(response.result.processing_time.plate_recognition_ms / read)
    found = [(d.plate.box, d.reading.plate_number) for d in plates]
    for d in plates:
        if not d.reading.plate_number:
            continue
        right = any(is_exact(d.reading.plate_number, p["text"]) for p in truth)
        res.calibration.append((d.reading.confidence_score, right))
        if d.reading.confidence_score >= CONFIDENT and not right:
            res.confident_wrong += 1
            res.wrong.append(_describe(record["image"], d.reading, d.plate.confidence))
    for plate in truth:
        text = plate["text"]
        boxed = [(_iou([b.x1, b.y1, b.x2, b.y2], plate["box"]), t) for b, t in found] if plate.get("box") else []
        best_iou, best_text = max(boxed, default=(0.0, ""))
        res.detected += best_iou >= 0.5
        readings = [t for _, t in found]
        hit = any(is_exact(t, text) for t in readings)
        res.exact += hit
        res.strict += any(strict_exact(t, text) for t in readings)
        res.kept_right += any(is_exact(d.reading.plate_number, text) and d.reading.plate_valid
                              and d.reading.confidence_score >= CONFIDENT for d in plates)
        guess = text if hit else best_text
        res.char_errors += edit_distance(comparable(guess), comparable(text))
        res.chars += len(comparable(text))
        if best_iou >= 0.5 and not hit:
            res.confused.update(confusions(guess, text))


def _shape(path: Path) -> str:
    """'square crops' (motorcycle plates are 2.4:1) or 'wide crops' from a crop's aspect ratio."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        return ""
    height, width = image.shape[:2]
    return "square crops" if width < MOTORCYCLE_ASPECT * height else "wide crops"


def evaluate_crops(client: AlprClient, name: str, limit: int | None) -> list[SetResult]:
    """RecognizePlates over a plate-crop set: the whole set, then by crop shape and by plate colour."""
    records = [r for r in _labels(name) if _usable(r["plates"][0])][:limit]
    by_name = {r["image"]: r["plates"][0]["text"] for r in records}
    shapes = {r["image"]: _shape(DATA / name / r["image"]) for r in records}
    items = (ImageItem.from_path(DATA / name / r["image"]) for r in records)
    groups = Groups(name, scene=False)
    for item, response in client.recognize_plates(items):
        text = by_name[item.name]
        reading = None if response.HasField("error") or not response.readings else response.readings[0]
        colour = "" if reading is None else _colour([reading])
        for key in dict.fromkeys(("", shapes[item.name], colour)):
            _score_crop(groups[key], text, reading, response, item.name)
    return groups.ordered()


def _score_crop(res: SetResult, text: str, reading: Any, response: Any, image: str) -> None:
    """Add one crop's response to a set's figures."""
    read = "" if reading is None else reading.plate_number
    res.images += 1
    res.plates += 1
    res.failed += response.HasField("error")
    res.latencies.append(response.total_ms)
    if read:
        res.read_ms.append(response.plate_recognition_ms)
    res.exact += is_exact(read, text)
    res.strict += strict_exact(read, text)
    if reading is not None and read:
        right = is_exact(read, text)
        res.calibration.append((reading.confidence_score, right))
        if reading.confidence_score >= CONFIDENT and not right:
            res.confident_wrong += 1
            res.wrong.append(_describe(image, reading, None))
        res.kept_right += right and reading.plate_valid and reading.confidence_score >= CONFIDENT
    res.char_errors += edit_distance(comparable(read), comparable(text))
    res.chars += len(comparable(text))
    res.confused.update(confusions(read, text))


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
            "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": (
                str(REPO / configured.confidence_calibration) if configured.confidence_calibration else ""),
            "GALAXY_ALPR__MODELS__UNIFIED_DETECTOR": str(REPO / configured.unified_detector),
            "GALAXY_ALPR__OCR__PROVIDER": "local",
            **{k: v for k, v in os.environ.items() if k.startswith("GALAXY_ALPR__")},
        })
        service = build_service(settings)
        server, port, _ = create_server(service.servicer, "127.0.0.1:0")
        server.start()
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.stop(None)
            service.close()


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the results."""
    lines = ["| set | images | plates | detection recall | exact | lenient exact | CER | confident wrong / image "
             "| valid & confident right | ECE | p50 ms | p95 ms | reading ms / plate p50 | failed |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        recall = "-" if r["recall"] is None else f"{r['recall']:.1%} ({r['detected']}/{r['plates']})"
        read_ms = "-" if r["read_ms_per_plate_p50"] is None else f"{r['read_ms_per_plate_p50']:.1f}"
        lines.append(f"| {r['name']} | {r['images']} | {r['plates']} | {recall} | "
                     f"{r['strict_rate']:.1%} | {r['exact_rate']:.1%} ({r['exact']}/{r['plates']}) | {r['cer']:.3f} | "
                     f"{r['confident_wrong_per_image']:.3f} ({r['confident_wrong']}) | {r['kept_right_rate']:.1%} | "
                     f"{r['ece']:.3f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {read_ms} | {r['failed']} |")
    lines.append("")
    lines.append("Top character confusions (truth -> read, '' = missing or extra):")
    for r in rows:
        if "(" not in r["name"] and r["top_confusions"]:
            pairs = ", ".join(f"{t or MISSING}->{p or MISSING} {n}" for t, p, n in r["top_confusions"])
            lines.append(f"- {r['name']}: {pairs}")
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
                if name in CROP_SETS or name.endswith("platecrops"):
                    rows.extend(res.row() for res in evaluate_crops(client, name, args.limit))
                else:
                    rows.extend(res.row() for res in evaluate_scenes(client, name, args.limit))
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
