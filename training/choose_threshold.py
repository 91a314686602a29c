"""Choose the cascade's min_confidence on the recognizer's validation split (never on evaluation sets).

Usage: python training/choose_threshold.py [--model models/plate_recognizer.onnx ...]
Reads the held-out part of the *-train sets with PP-OCR once and with each recognizer, then replays
CascadeOcrProvider's own decision for each threshold and prints exact match and fallback rate, also
for motorcycle-shaped (width under 2.6x the height) and car-shaped crops apart.

`--variants` also replays the recognizer reading re-cut copies of each crop and voting per character
(training/crop_votes.py): for each number of cuts and each re-read limit (re-read only
single reads less sure than this), the cascade with the date row required and voting, and the
recognizer passes it costs per crop.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.domain import Image, OcrRead  # noqa: E402
from server.ocr.base import ProviderStatus  # noqa: E402
from server.ocr.cascade import CascadeOcrProvider, vote  # noqa: E402
from server.ocr.local import LocalOcrProvider  # noqa: E402
from server.ocr.plate_recognizer import DEFAULT_MODEL, PlateRecognizerProvider  # noqa: E402
from server.plates.metrics import is_exact  # noqa: E402
from server.plates.recognize import recognize  # noqa: E402
from training.crop_votes import MAX_VARIANTS, crop_variants, vote_reads  # noqa: E402
from training.real_data import fixed_crop, is_validation, load_sets  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
MOTORCYCLE_ASPECT = 2.6  # Indonesian motorcycle plates are about 2.4:1, car plates 2.9:1
THRESHOLDS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.01)
VARIANT_COUNTS = (3, MAX_VARIANTS)
VARIANTS_BELOW = (0.9, 0.95, 0.98, 1.01)  # 1.01: every crop is re-read


class Replay:
    """A provider that answers with reads computed beforehand, looked up by crop identity."""

    def __init__(self, name: str, reads: dict[int, OcrRead]) -> None:
        self.name = name
        self.reads = reads

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """The stored read of each crop."""
        return [self.reads[id(c)] for c in crops]

    def status(self) -> ProviderStatus:
        """Always available."""
        return ProviderStatus(self.name, True, "loaded")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, nargs="+", default=[DEFAULT_MODEL])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--variants", action="store_true", help="also replay reading re-cut crops and voting")
    args = parser.parse_args(argv)
    val = [item for item in load_sets(args.data) if is_validation(item.text)]
    crops = [fixed_crop(item) for item in val]
    truths = [item.text for item in val]
    ppocr = LocalOcrProvider(intra_op_threads=2)
    second = Replay("local", {id(c): ppocr.read([c])[0] for c in crops})
    square = [c.shape[1] < MOTORCYCLE_ASPECT * c.shape[0] for c in crops]

    def exact(reads: list[OcrRead], kind: bool | None = None) -> str:
        chosen = [i for i in range(len(crops)) if kind is None or square[i] == kind]
        hits = sum(is_exact(recognize(crops[i], reads[i]).plate_number, truths[i]) for i in chosen)
        return f"{hits / max(1, len(chosen)):.1%}"

    def kinds(reads: list[OcrRead]) -> str:
        return f"{exact(reads)} (motorcycle-shaped {exact(reads, True)}, car-shaped {exact(reads, False)})"

    print(f"validation crops: {len(crops)} ({sum(square)} motorcycle-shaped)")
    print(f"PP-OCR alone: {kinds(second.read(crops))}")
    for model in args.model:
        recognizer = PlateRecognizerProvider(model, intra_op_threads=2)
        first = Replay("recognizer", {id(c): r for c, r in zip(crops, recognizer.read(crops), strict=True)})
        print(f"\n{model} (version {recognizer.model.version})")
        print(f"recognizer alone: {kinds(first.read(crops))}")
        for require_date in (False, True):
            for threshold in THRESHOLDS:
                cascade = CascadeOcrProvider(first, second, threshold, require_date=require_date, vote=False)
                reads = cascade.read(crops)
                fallback = sum(r.provider != "recognizer" for r in reads) / max(1, len(reads))
                voted = [r if r.provider == "recognizer" else vote(first.reads[id(c)], r)
                         for c, r in zip(crops, reads, strict=True)]
                print(f"require_date {require_date!s:<5} min_confidence {threshold:<5} "
                      f"exact {kinds(reads)}  fallback {fallback:.1%}  with per-character voting {kinds(voted)}")
        if args.variants:
            cut_reads = [recognizer.read(crop_variants(c, MAX_VARIANTS)) for c in crops]
            for count in VARIANT_COUNTS:
                for below in VARIANTS_BELOW:
                    primary, passes = {}, 0
                    for c, single, cuts in zip(crops, first.read(crops), cut_reads, strict=True):
                        reread = single.confidence < below
                        primary[id(c)] = vote_reads(cuts[:count]) if reread else single
                        passes += count if reread else 1
                    voter = Replay("recognizer", primary)
                    print(f"\n{count} cuts, re-read below {below}: recognizer alone {kinds(voter.read(crops))}, "
                          f"{passes / len(crops):.2f} recognizer passes per crop")
                    for threshold in THRESHOLDS[6:]:
                        cascade = CascadeOcrProvider(voter, second, threshold, require_date=True, vote=True)
                        reads = cascade.read(crops)
                        fallback = sum(r.provider != "recognizer" for r in reads) / max(1, len(reads))
                        print(f"  cascade (date row required, voting) at {threshold:<5} exact {kinds(reads)}  "
                              f"fallback {fallback:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
