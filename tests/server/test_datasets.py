"""The one labels.jsonl reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.datasets import has_labels, is_verifiable, plate_box, read_labels


def test_reads_records_in_order_skipping_blank_lines(tmp_path: Path) -> None:
    records = [{"image": "a.jpg", "plates": [{"text": "B 1 CD", "box": [1.0, 2, 3, 4]}]},
               {"image": "b.jpg", "plates": [{"text": "?", "unverifiable": True}]}]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in records[:1]) + "\n\n"
                                           + json.dumps(records[1]) + "\n", encoding="utf-8")
    assert has_labels(tmp_path)
    got = read_labels(tmp_path)
    assert [r["image"] for r in got] == ["a.jpg", "b.jpg"]
    assert plate_box(got[0]["plates"][0]) == (1, 2, 3, 4)
    assert plate_box(got[1]["plates"][0]) is None
    assert is_verifiable(got[0]["plates"][0]) and not is_verifiable(got[1]["plates"][0])


def test_a_folder_without_labels_is_named(tmp_path: Path) -> None:
    assert not has_labels(tmp_path)
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        read_labels(tmp_path)
