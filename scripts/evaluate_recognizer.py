"""Compare the plate recognizer, the cascade (recognizer -> PP-OCR) and PP-OCR alone on labelled crop sets.

Usage: python scripts/evaluate_recognizer.py [SET_OR_DIR ...] [--readers recognizer,cascade,ppocr]
       [--json] [--threads N] [--limit N] [--failures] [--model PATH] [--min-confidence X]
Per set and reader: exact match after the plate rules (spaces ignored, O = 0), exact match of the raw
read, CER, p50/p95 latency of the reader per crop (one crop per call), p50 with the plate rules and colour
measurement added, and which reader produced the reads (the cascade's fallback rate).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.evaluate_ocr import load_set  # noqa: E402
from server.domain import Image  # noqa: E402
from server.ocr.base import OcrProvider  # noqa: E402
from server.ocr.cascade import DEFAULT_MIN_CONFIDENCE, CascadeOcrProvider  # noqa: E402
from server.ocr.local import LocalOcrProvider  # noqa: E402
from server.ocr.plate_recognizer import DEFAULT_MODEL, PlateRecognizerProvider  # noqa: E402
from server.plates.metrics import is_exact, percentile, score  # noqa: E402
from server.plates.recognize import recognize  # noqa: E402

DEFAULT_SETS = ("indonesia-ilpr-platecrops", "openalpr-us-platecrops")
READERS = ("recognizer", "cascade", "ppocr")


def evaluate(provider: OcrProvider, samples: list[tuple[str, Image, str]]) -> dict[str, Any]:
    """Read each crop alone (so latency is per crop) and score the set."""
    if samples:
        provider.read([samples[0][1]])  # warm-up, not timed
    plates: list[str] = []
    raws: list[str] = []
    latencies: list[float] = []
    with_rules: list[float] = []
    providers: dict[str, int] = {}
    failures: list[dict[str, str]] = []
    for image_name, crop, truth in samples:
        start = time.perf_counter()
        read = provider.read([crop])[0]
        latencies.append((time.perf_counter() - start) * 1000)
        reading = recognize(crop, read)
        with_rules.append((time.perf_counter() - start) * 1000)
        plates.append(reading.plate_number)
        raws.append(read.text)
        providers[read.provider] = providers.get(read.provider, 0) + 1
        if not is_exact(reading.plate_number, truth):
            failures.append({"image": image_name, "truth": truth, "plate": reading.plate_number,
                             "raw": read.text, "date": read.date_text, "provider": read.provider,
                             "confidence": f"{read.confidence:.3f}"})
    truths = [t for _, _, t in samples]
    result = asdict(score(plates, truths, latencies))
    result["raw_exact_match"] = score(raws, truths, latencies).exact_match
    result["with_rules_p50_ms"] = percentile(with_rules, 50)
    result["providers"] = providers
    result["failures"] = failures
    return result


def build(names: list[str], model: Path, threads: int, min_confidence: float) -> dict[str, OcrProvider]:
    """The requested readers, sharing one recognizer and one PP-OCR instance."""
    recognizer = PlateRecognizerProvider(model, intra_op_threads=threads)
    readers: dict[str, OcrProvider] = {"recognizer": recognizer}
    if "cascade" in names or "ppocr" in names:
        ppocr = LocalOcrProvider(intra_op_threads=threads)
        readers["ppocr"] = ppocr
        readers["cascade"] = CascadeOcrProvider(recognizer, ppocr, min_confidence)
    return {name: readers[name] for name in names}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=list(DEFAULT_SETS))
    parser.add_argument("--readers", default=",".join(READERS), help="comma-separated subset of " + ",".join(READERS))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--limit", type=int, default=0, help="at most this many plates per set")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--failures", action="store_true", help="list the misread plates")
    args = parser.parse_args(argv)
    names = [n for n in args.readers.split(",") if n]
    unknown = sorted(set(names) - set(READERS))
    if unknown:
        raise SystemExit(f"unknown readers {unknown}; choose from {READERS}")
    readers = build(names, args.model, args.threads, args.min_confidence)
    results: list[dict[str, Any]] = []
    for set_name in args.sets:
        samples = load_set(set_name, args.limit)
        for reader, provider in readers.items():
            results.append({"set": set_name, "reader": reader, **evaluate(provider, samples)})
    if args.json:
        document = {"model": str(args.model), "min_confidence": args.min_confidence, "results": results}
        print(json.dumps(document, indent=2))
        return 0
    for r in results:
        print(
            f"{r['set']:<28} {r['reader']:<10} n={r['count']} exact={r['exact_match']:.1%} "
            f"(raw {r['raw_exact_match']:.1%}) CER={r['cer']:.3f} p50={r['latency_p50_ms']:.1f} ms "
            f"p95={r['latency_p95_ms']:.1f} ms (p50 with rules {r['with_rules_p50_ms']:.1f} ms) "
            f"providers={r['providers']}"
        )
        if args.failures:
            for f in r["failures"]:
                print(f"    {f['image']}: truth={f['truth']} plate={f['plate']!r} raw={f['raw']!r} "
                      f"date={f['date']!r} by={f['provider']} conf={f['confidence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
