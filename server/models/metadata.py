"""ONNX metadata_props: the keys this project writes and safe parsers for reading them back.

Values are strings. `names` and `imgsz` are JSON; files exported by ultralytics itself hold a
Python-literal dict for `names`, which is parsed with `ast.literal_eval`, never `eval`.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

NAMES = "names"
IMGSZ = "imgsz"
STRIDE = "stride"
TASK = "task"
SOURCE = "source"
SOURCE_SHA256 = "source_sha256"
EXPORTER = "exporter"
EXPORT_SETTINGS = "export_settings"

REQUIRED_KEYS = (NAMES, IMGSZ, STRIDE, TASK, SOURCE, SOURCE_SHA256, EXPORTER)


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise ValueError(f"not a JSON or Python literal: {text[:80]!r}") from exc


def parse_names(text: str) -> dict[int, str]:
    """Class names from a JSON dict, a Python-literal dict or a list, keyed by int class id."""
    value = _literal(text)
    if isinstance(value, list):
        value = dict(enumerate(value))
    if not isinstance(value, dict) or not value:
        raise ValueError(f"class names must be a non-empty dict or list, got {text[:80]!r}")
    try:
        return {int(k): str(v) for k, v in sorted(value.items(), key=lambda kv: int(kv[0]))}
    except (TypeError, ValueError) as exc:
        raise ValueError(f"class ids must be integers: {text[:80]!r}") from exc


def parse_imgsz(text: str) -> tuple[int, int]:
    """Input size (height, width) from "[h, w]", "[s]" or "s"."""
    value = _literal(text)
    if isinstance(value, int):
        value = [value, value]
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = [value[0], value[0]]
    if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        raise ValueError(f"imgsz must be [h, w], got {text!r}")
    height, width = int(value[0]), int(value[1])
    if height <= 0 or width <= 0:
        raise ValueError(f"imgsz must be positive, got {text!r}")
    return height, width


def format_names(names: Mapping[int, str]) -> str:
    """Class names as the JSON this project writes: {"0": "person", ...}."""
    return json.dumps({str(k): v for k, v in sorted(names.items())}, ensure_ascii=False)


def format_imgsz(imgsz: tuple[int, int]) -> str:
    """Input size as the JSON this project writes: [h, w]."""
    return json.dumps([int(imgsz[0]), int(imgsz[1])])


def read_metadata(path: Path) -> dict[str, str]:
    """All metadata_props of an ONNX file (needs the `onnx` package)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return {prop.key: prop.value for prop in model.metadata_props}


def write_metadata(source: Path, destination: Path, values: Mapping[str, str]) -> None:
    """Copy an ONNX file to `destination` with `values` set in its metadata_props (needs `onnx`)."""
    import onnx

    model = onnx.load(str(source))
    kept = [(p.key, p.value) for p in model.metadata_props if p.key not in values]
    del model.metadata_props[:]
    for key, value in [*kept, *values.items()]:
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    onnx.save(model, str(destination))
