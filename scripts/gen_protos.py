"""Generate the Python gRPC stubs in clients/stubs/ (package galaxy.alpr.v1) from proto/.

Usage: python scripts/gen_protos.py [--check]

With --check, nothing is written: the script exits 1 when the committed stubs differ
from what the protos generate (stale or hand-edited).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
OUT_ROOT = ROOT / "clients" / "stubs"
PACKAGE_DIR = Path("galaxy/alpr/v1")
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi")


def _plugin_path(name: str) -> str:
    """Find a protoc plugin installed beside this interpreter."""
    scripts = Path(sysconfig.get_path("scripts"))
    candidate = scripts / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install the dev dependencies (mypy-protobuf)")
    return found


def generate(out_dir: Path) -> None:
    """Run protoc over every .proto file into out_dir."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))
    include = str(Path(protoc.__file__).parent / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--plugin=protoc-gen-mypy={_plugin_path('protoc-gen-mypy')}",
        f"--plugin=protoc-gen-mypy_grpc={_plugin_path('protoc-gen-mypy_grpc')}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for package in (out_dir / "galaxy", out_dir / "galaxy/alpr", out_dir / PACKAGE_DIR):
        (package / "__init__.py").touch()


def _generated_files(root: Path) -> set[Path]:
    base = root / PACKAGE_DIR
    return {p.relative_to(root) for p in base.glob("*") if p.name.endswith(GENERATED_SUFFIXES)}


def main() -> int:
    """Generate the stubs, or with --check compare them with a fresh generation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the stubs are stale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        fresh_files = _generated_files(fresh)
        if args.check:
            current = _generated_files(OUT_ROOT)
            stale = sorted(
                str(f) for f in fresh_files | current
                if f not in current or f not in fresh_files
                or not filecmp.cmp(fresh / f, OUT_ROOT / f, shallow=False)
            )
            if stale:
                print("stale generated stubs (run: python scripts/gen_protos.py):", *stale, sep="\n  ")
                return 1
            print("generated stubs are up to date")
            return 0
        for old in _generated_files(OUT_ROOT):
            (OUT_ROOT / old).unlink()
        for rel in fresh_files:
            (OUT_ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh / rel, OUT_ROOT / rel)
        for package in ("galaxy", "galaxy/alpr", str(PACKAGE_DIR)):
            (OUT_ROOT / package / "__init__.py").touch()
        print(f"generated {len(fresh_files)} files into {OUT_ROOT / PACKAGE_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
