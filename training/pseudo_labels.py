"""Pseudo-label the plate boxes of *-train sets that carry no text, where independent readers agree.

Usage: python training/pseudo_labels.py [--recognizer MODEL.onnx] [--out build/recognizer/pseudo_labels.jsonl]
Every boxed plate of `indonesia-platetrack-train` (Indonesian close-ups) and `romania-dashcam-train`
(EU street scenes) is cut with the validation crop rule and read by three readers: a recognizer
of ours (`--recognizer`; `make train-recognizer` passes 1.1.0, which made the committed model's
labels), PP-OCR with PP-OCRv6 small recognition and PP-OCR with PP-OCRv4 recognition. A plate
gets a label when two readers agree after the plate rules: for Indonesian sets
two of the three on a valid Indonesian plate with at least 5 characters; for the EU set both PP-OCR
readers (our recognizer was not trained on EU plates) on a 5-8 character text. Only *-train sets are
read; the output is one JSON line per labelled plate: set, image, box, text, foreign, readers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.datasets import plate_box, read_labels  # noqa: E402
from server.ocr.local import LocalOcrProvider, packaged_model  # noqa: E402
from server.ocr.plate_recognizer import DEFAULT_MODEL, PlateRecognizerProvider  # noqa: E402
from server.plates.identity import normalise  # noqa: E402
from server.plates.recognize import interpret_read  # noqa: E402
from training.real_data import RealItem, fixed_crop  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "build" / "recognizer" / "pseudo_labels.jsonl"
# (set, foreign): sets with plate boxes and no plate text
UNLABELLED_SETS = (("indonesia-platetrack-train", False), ("romania-dashcam-train", True))
V4_REC = (("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"),)


def agreed_indonesian(texts: list[str]) -> str:
    """The plate two of the readers agree on (rules applied beforehand), or ""."""
    counts = Counter(t for t in texts if len(t) >= 5)
    text, votes = counts.most_common(1)[0] if counts else ("", 0)
    return text if votes >= 2 else ""


def agreed_foreign(a: str, b: str) -> str:
    """The text both PP-OCR readers read (5-8 letters and digits), or ""."""
    return a if a == b and 5 <= len(a) <= 8 and any(c.isdigit() for c in a) else ""


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--recognizer", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    recognizer = PlateRecognizerProvider(args.recognizer, intra_op_threads=2)
    v6 = LocalOcrProvider(intra_op_threads=2)
    v4 = LocalOcrProvider(rec_model=packaged_model(V4_REC), intra_op_threads=2)
    lines: list[str] = []
    for name, foreign in UNLABELLED_SETS:
        folder = args.data / name
        if not folder.is_dir():
            print(f"{name}: not present, skipped")
            continue
        kept = total = 0
        for record in read_labels(folder):
            image = cv2.imread(str(folder / record["image"]), cv2.IMREAD_COLOR)
            if image is None:
                continue
            for plate in record["plates"]:
                box = plate_box(plate)
                if box is None:
                    continue
                total += 1
                crop = fixed_crop(RealItem(np.asarray(image, np.uint8), box, "", f"{name}/{record['image']}"))
                reads = [recognizer.read([crop])[0], v6.read([crop])[0], v4.read([crop])[0]]
                if foreign:
                    text = agreed_foreign(normalise(reads[1].text), normalise(reads[2].text))
                else:
                    ruled = [interpret_read(r) for r in reads]
                    text = agreed_indonesian([p.plate_number.replace(" ", "") * p.is_indonesian for p in ruled])
                if text:
                    kept += 1
                    lines.append(json.dumps({"set": name, "image": record["image"], "box": list(box), "text": text,
                                             "foreign": foreign, "readers": [r.text for r in reads]}))
        print(f"{name}: {kept} of {total} plates labelled", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"wrote {len(lines)} pseudo-labels to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
