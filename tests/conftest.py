"""Shared test fixtures: paths to the real data sets beside the checkout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()


def data_set(name: str) -> Path:
    """A ../shared/data set, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not (path / "labels.jsonl").is_file():
        pytest.skip(f"real data set {path} is absent (it lives beside the checkout in ../shared/data)")
    return path


def labels(name: str) -> list[dict[str, Any]]:
    """The labels.jsonl records of a data set (skips when absent)."""
    path = data_set(name)
    return [json.loads(line) for line in (path / "labels.jsonl").read_text().splitlines() if line.strip()]
