"""The one reader of a data set's `labels.jsonl` (the ../shared/data format).

A set is a folder with images and `labels.jsonl`, one JSON record a line:
{"image": "name.jpg", "plates": [{"text": ..., "box": [x1, y1, x2, y2], "unverifiable": bool}, ...]}.
Bench, scripts, training and tests read sets through here; the service itself never does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LABELS_FILE = "labels.jsonl"
Record = dict[str, Any]


def labels_path(folder: Path) -> Path:
    """Where a set's labels live."""
    return folder / LABELS_FILE


def has_labels(folder: Path) -> bool:
    """Whether the folder is a data set (it has a labels.jsonl)."""
    return labels_path(folder).is_file()


def read_labels(folder: Path) -> list[Record]:
    """Every record of the set in file order (blank lines skipped); FileNotFoundError naming the set."""
    path = labels_path(folder)
    if not path.is_file():
        raise FileNotFoundError(f"no {LABELS_FILE} in {folder} (data sets live beside the checkout in ../shared/data)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plate_box(plate: Record) -> tuple[int, int, int, int] | None:
    """A labelled plate's [x1, y1, x2, y2] box as integers, or None when it has none."""
    box = plate.get("box")
    if not box:
        return None
    x1, y1, x2, y2 = (int(v) for v in box)
    return x1, y1, x2, y2


def is_verifiable(plate: Record) -> bool:
    """False for plates the labeller could not read with certainty."""
    return not plate.get("unverifiable", False)
