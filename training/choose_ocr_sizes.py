"""Choose PP-OCR's input sizes (text detector side, number-row width) on the held-out split.

Usage: python training/choose_ocr_sizes.py [--sides 320 256 224] [--widths 320 256 0]
PP-OCR is the cascade's fallback and costs more than the rest of a read; its two input sizes set most of
that cost. Each pair of sizes reads the held-out part of the *-train sets (Indonesian crops, split by
plate text as for the recognizer) and the pseudo-labelled EU crops of `romania-dashcam-train` (their
labels are what PP-OCR read at the default sizes, so that column measures agreement with the default,
i.e. what a smaller size changes on foreign plates). Prints exact match and p50/p95 time per crop,
one thread. Evaluation sets are never read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.domain import Image  # noqa: E402
from server.ocr.local import LocalOcrOptions, LocalOcrProvider  # noqa: E402
from server.plates.metrics import is_exact  # noqa: E402
from server.plates.recognize import recognize  # noqa: E402
from training.pseudo_labels import DEFAULT_OUT as PSEUDO_LABELS  # noqa: E402
from training.real_data import fixed_crop, is_validation, load_pseudo, load_sets  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def score(reader: LocalOcrProvider, crops: list[Image], truths: list[str]) -> tuple[float, float, float]:
    """Exact share, p50 and p95 milliseconds per crop (one crop per call, as the cascade's fallback reads)."""
    hits, times = 0, []
    for crop, truth in zip(crops, truths, strict=True):
        start = time.perf_counter()
        read = reader.read([crop])[0]
        times.append((time.perf_counter() - start) * 1000)
        hits += is_exact(recognize(crop, read).plate_number or read.text, truth)
    return hits / max(1, len(crops)), float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--pseudo", type=Path, default=PSEUDO_LABELS)
    parser.add_argument("--sides", type=int, nargs="+", default=[320, 256, 224])
    parser.add_argument("--widths", type=int, nargs="+", default=[320, 256, 0])
    args = parser.parse_args(argv)
    val = [item for item in load_sets(args.data) if is_validation(item.text)]
    foreign = [item for item in load_pseudo(args.data, args.pseudo, exclude=set()) if item.foreign]
    sets = {"held-out Indonesian": val, "romania pseudo-labelled": foreign}
    crops = {name: [fixed_crop(item) for item in items] for name, items in sets.items()}
    truths = {name: [item.text for item in items] for name, items in sets.items()}
    print(" | ".join(f"{name}: {len(items)} crops" for name, items in sets.items()))
    for side in args.sides:
        for width in args.widths:
            reader = LocalOcrProvider(options=LocalOcrOptions(detector_side=side, number_min_width=width))
            parts = []
            for name in sets:
                exact, p50, p95 = score(reader, crops[name], truths[name])
                parts.append(f"{name} {exact:.1%} p50 {p50:.1f} ms p95 {p95:.1f} ms")
            print(f"side {side:<4} width {width:<4} " + " | ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
