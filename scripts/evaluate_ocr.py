"""Evaluate the local plate reader on labelled crop sets: exact match, CER, latency per crop.

Usage: python scripts/evaluate_ocr.py [SET_OR_DIR ...] [--json] [--threads N] [--limit N] [--failures]
A set is a folder with labels.jsonl ({"image", "plates": [{"text", "box"}]}); a bare name is looked
up under ../shared/data. Records marked "unverifiable" are skipped. A non-null box is cropped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.datasets import has_labels, is_verifiable, plate_box, read_labels  # noqa: E402
from server.domain import Image  # noqa: E402
from server.ocr.local import LocalOcrProvider  # noqa: E402
from server.plates.metrics import is_exact, percentile, score  # noqa: E402
from server.plates.recognize import recognize  # noqa: E402

DEFAULT_SETS = ("indonesia-ilpr-platecrops", "openalpr-us-platecrops")
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def load_set(name: str, limit: int = 0) -> list[tuple[str, Image, str]]:
    """(image name, crop, truth text) for every verifiable plate of a set."""
    folder = Path(name) if Path(name).is_dir() else SHARED_DATA / name
    if not has_labels(folder):
        raise SystemExit(f"no labels.jsonl in {folder}")
    samples: list[tuple[str, Image, str]] = []
    for record in read_labels(folder):
        loaded = cv2.imread(str(folder / record["image"]), cv2.IMREAD_COLOR)
        if loaded is None:
            continue
        image: Image = np.asarray(loaded, dtype=np.uint8)
        for plate in record["plates"]:
            if not is_verifiable(plate):
                continue
            crop = image
            if (box := plate_box(plate)) is not None:
                x1, y1, x2, y2 = box
                pad = max(2, (y2 - y1) // 10)
                crop = image[max(0, y1 - pad) : y2 + pad, max(0, x1 - pad) : x2 + pad]
            samples.append((record["image"], crop, plate["text"]))
        if limit and len(samples) >= limit:
            break
    return samples


def evaluate(provider: LocalOcrProvider, name: str, limit: int) -> dict[str, Any]:
    """Read every crop of one set, one at a time (so latency is per crop), and score it."""
    samples = load_set(name, limit)
    if samples:
        provider.read([samples[0][1]])  # warm-up, not timed
    plates: list[str] = []
    raws: list[str] = []
    latencies: list[float] = []
    cpu_times: list[float] = []  # CPU time of all threads: what a crop costs on an idle machine
    failures: list[dict[str, str]] = []
    for image_name, crop, truth in samples:
        start, cpu_start = time.perf_counter(), time.process_time()
        read = provider.read([crop])[0]
        reading = recognize(crop, read)
        latencies.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
        plates.append(reading.plate_number)
        raws.append(read.text)
        if not is_exact(reading.plate_number, truth):
            failures.append({"image": image_name, "truth": truth, "plate": reading.plate_number, "raw": read.text})
    truths = [t for _, _, t in samples]
    result = asdict(score(plates, truths, latencies))
    result["raw_exact_match"] = score(raws, truths, latencies).exact_match
    result["cpu_p50_ms"] = percentile(cpu_times, 50)
    result["set"] = name
    result["failures"] = failures
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=list(DEFAULT_SETS))
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    parser.add_argument("--limit", type=int, default=0, help="at most this many plates per set")
    parser.add_argument("--failures", action="store_true", help="list the misread plates")
    parser.add_argument("--det-model", type=Path, default=None, help="text detection ONNX (default: packaged)")
    parser.add_argument("--rec-model", type=Path, default=None, help="text recognition ONNX (default: packaged)")
    args = parser.parse_args(argv)
    provider = LocalOcrProvider(args.det_model, args.rec_model, intra_op_threads=args.threads)
    results = [evaluate(provider, name, args.limit) for name in args.sets]
    if args.json:
        print(json.dumps({"provider": provider.status().model_name, "sets": results}, indent=2))
        return 0
    for r in results:
        print(
            f"{r['set']}: n={r['count']} exact={r['exact_match']:.1%} (raw {r['raw_exact_match']:.1%}) "
            f"CER={r['cer']:.3f} p50={r['latency_p50_ms']:.1f} ms p95={r['latency_p95_ms']:.1f} ms "
            f"(CPU time p50 {r['cpu_p50_ms']:.1f} ms)"
        )
        if args.failures:
            for f in r["failures"]:
                print(f"    {f['image']}: truth={f['truth']} plate={f['plate']!r} raw={f['raw']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
