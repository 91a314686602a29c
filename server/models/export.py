"""Turn ultralytics weights (or an existing ONNX) into an ONNX file carrying this project's metadata.

Only the `.pt` path needs ultralytics (and torch); an existing ONNX needs just the `onnx` package.
Nothing is written beside the source: exports run in a temporary directory and the result is moved
into place atomically.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from server.models import metadata as meta

log = logging.getLogger(__name__)

MAX_OPSET = 17
_OFFICIAL_NAME = re.compile(r"^(yolo|rtdetr)[\w.-]*\.pt$", re.IGNORECASE)


class ExportError(RuntimeError):
    """A model could not be found, converted or stamped; the message says what to do."""


@dataclass(frozen=True)
class ExportSettings:
    """How a `.pt` becomes ONNX; recorded in the stamp so a change triggers a re-export."""

    imgsz: int = 640
    opset: int = MAX_OPSET
    dynamic: bool = True
    simplify: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.opset <= MAX_OPSET:
            raise ValueError(f"opset must be between 1 and {MAX_OPSET}, got {self.opset}")
        if self.imgsz <= 0 or self.imgsz % 32:
            raise ValueError(f"imgsz must be a positive multiple of 32, got {self.imgsz}")

    def as_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class ExportResult:
    """What `export_to_onnx` wrote."""

    output: Path
    source: str
    source_sha256: str
    converted: bool
    metadata: dict[str, str]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ultralytics_available() -> bool:
    """True when ultralytics can be imported (needed only to convert `.pt` files)."""
    return importlib.util.find_spec("ultralytics") is not None


def onnx_available() -> bool:
    """True when the `onnx` package can be imported (needed to write metadata)."""
    return importlib.util.find_spec("onnx") is not None


def is_official_name(source: str) -> bool:
    """True for a bare ultralytics asset name such as `yolo11n.pt` (fetched by ultralytics)."""
    return "/" not in source and "\\" not in source and bool(_OFFICIAL_NAME.match(source))


def exporter_version(*, with_ultralytics: bool) -> str:
    """The `exporter` metadata value: this package's version and the tools used."""
    parts = [f"galaxy-alpr {_version('galaxy-alpr')} export_onnx"]
    if with_ultralytics:
        parts.append(f"ultralytics {_version('ultralytics')}")
    parts.append(f"onnx {_version('onnx')}")
    return "; ".join(parts)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _require(module: str, purpose: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ExportError(f"{purpose} needs the `{module}` package: pip install -e '.[export]'")


def _fetch_official(name: str) -> Path:
    from ultralytics.utils.downloads import attempt_download_asset

    try:
        local = Path(attempt_download_asset(name))
    except Exception as exc:
        raise ExportError(
            f"could not fetch official weights {name!r} ({exc}); this machine may be offline: "
            "download the .pt on a connected machine and pass its path"
        ) from exc
    if not local.is_file():
        raise ExportError(f"could not fetch official weights {name!r}; this machine may be offline")
    return local


def resolve_source(source: str | Path) -> Path:
    """The local file for a path or an official ultralytics name (fetched only for names)."""
    path = Path(source)
    if path.is_file():
        return path
    if is_official_name(str(source)):
        _require("ultralytics", f"fetching {source}")
        return _fetch_official(str(source))
    raise ExportError(f"model file not found: {source}")


def _atomic_write_metadata(src: Path, output: Path, values: Mapping[str, str]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        meta.write_metadata(src, partial, values)
        import onnx

        onnx.checker.check_model(str(partial))
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _convert_pt(weights: Path, workdir: Path, settings: ExportSettings) -> tuple[Path, dict[str, str]]:
    _require("ultralytics", f"converting {weights.name} to ONNX")
    from ultralytics.models import YOLO

    simplify = settings.simplify and importlib.util.find_spec("onnxslim") is not None
    if settings.simplify and not simplify:
        log.warning("onnxslim is not installed: exporting without slimming")
    local = workdir / weights.name
    shutil.copyfile(weights, local)
    try:
        model: Any = YOLO(str(local))
        names = {int(k): str(v) for k, v in model.names.items()}
        stride = int(max(int(s) for s in model.model.stride))
        exported = Path(
            model.export(
                format="onnx",
                imgsz=settings.imgsz,
                opset=settings.opset,
                dynamic=settings.dynamic,
                simplify=simplify,
                batch=1,
                device="cpu",
                nms=False,
                half=False,
            )
        )
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError(f"ultralytics could not export {weights}: {exc}") from exc
    values = {
        meta.NAMES: meta.format_names(names),
        meta.IMGSZ: meta.format_imgsz((settings.imgsz, settings.imgsz)),
        meta.STRIDE: str(stride),
        meta.TASK: str(model.task),
        meta.EXPORT_SETTINGS: json.dumps({**settings.as_dict(), "simplify": simplify}, sort_keys=True),
    }
    return exported, values


def _onnx_values(path: Path, settings: ExportSettings, names: Mapping[int, str] | None) -> dict[str, str]:
    _require("onnx", f"stamping {path.name}")
    import onnx

    existing = meta.read_metadata(path)
    if names is None and meta.NAMES not in existing:
        raise ExportError(f"{path} has no `names` metadata: pass the class names explicitly")
    parsed = dict(names) if names is not None else meta.parse_names(existing[meta.NAMES])
    if meta.IMGSZ in existing:
        imgsz = meta.parse_imgsz(existing[meta.IMGSZ])
    else:
        dims = onnx.load(str(path), load_external_data=False).graph.input[0].type.tensor_type.shape.dim
        fixed = [d.dim_value for d in dims[2:4] if d.HasField("dim_value")]
        imgsz = (fixed[0], fixed[1]) if len(fixed) == 2 else (settings.imgsz, settings.imgsz)
    return {
        meta.NAMES: meta.format_names(parsed),
        meta.IMGSZ: meta.format_imgsz(imgsz),
        meta.STRIDE: str(int(existing.get(meta.STRIDE, "32"))),
        meta.TASK: existing.get(meta.TASK, "detect"),
        meta.EXPORT_SETTINGS: json.dumps({"copied": True}),
    }


def export_to_onnx(
    source: str | Path,
    output: Path,
    *,
    description: str | None = None,
    settings: ExportSettings | None = None,
    names: Mapping[int, str] | None = None,
) -> ExportResult:
    """Write `output`: a `.pt` converted with ultralytics, or an existing `.onnx` copied; both stamped."""
    settings = settings or ExportSettings()
    weights = resolve_source(source)
    source_sha = sha256_file(weights)
    converted = weights.suffix.lower() != ".onnx"
    with tempfile.TemporaryDirectory(prefix="galaxy-export-") as tmp:
        if converted:
            onnx_file, values = _convert_pt(weights, Path(tmp), settings)
        else:
            onnx_file, values = weights, _onnx_values(weights, settings, names)
        if names is not None:
            values[meta.NAMES] = meta.format_names(names)
        values[meta.SOURCE] = description or str(source)
        values[meta.SOURCE_SHA256] = source_sha
        values[meta.EXPORTER] = exporter_version(with_ultralytics=converted)
        _require("onnx", f"stamping {output.name}")
        _atomic_write_metadata(onnx_file, output, values)
    log.info("wrote %s from %s", output, values[meta.SOURCE])
    return ExportResult(output, values[meta.SOURCE], source_sha, converted, values)
