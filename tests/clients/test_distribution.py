"""The client distribution (clients/pyproject.toml) installs into a clean virtual environment without the
server's dependencies and reads a photo through a running server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import clients
import server
from tests.conftest import REPO_ROOT, data_set, labels

pytestmark = pytest.mark.slow

SCRIPT = """
import importlib.util, json, sys
from clients import AlprClient
heavy = [m for m in ("onnxruntime", "cv2", "av", "numpy", "sqlalchemy", "server") if importlib.util.find_spec(m)]
with AlprClient(sys.argv[1], timeout_s=120) as client:
    [(item, answer)] = list(client.process_images([sys.argv[2]]))
plates = [d.reading.plate_number for d in answer.result.detections if d.HasField("reading")]
print(json.dumps({"heavy": heavy, "plates": plates, "error": answer.error.reason}))
"""


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_client_version_is_the_services() -> None:
    assert clients.__version__ == server.__version__


def test_the_client_installs_alone_and_reads_a_photo(grpc_target: str, tmp_path: Path) -> None:
    record = labels("openalpr-us")[0]
    photo = data_set("openalpr-us") / record["image"]
    wheels, source = tmp_path / "wheels", tmp_path / "source"
    # Built from a copy: setuptools builds in the source tree and leaves build/ and *.egg-info behind.
    shutil.copytree(REPO_ROOT / "clients", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", source, "-w", wheels, cwd=tmp_path)
    [wheel] = wheels.glob("galaxy_alpr_client-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    (tmp_path / "call.py").write_text(SCRIPT, encoding="utf-8")
    # Run from tmp_path, not the repository: only the installed distribution can be imported.
    result = json.loads(_run(python, "call.py", grpc_target, photo, cwd=tmp_path).splitlines()[-1])
    assert result["heavy"] == [] and result["error"] == ""
    with clients.AlprClient(grpc_target, timeout_s=120) as client:  # the repository's own client, same server
        [(_, answer)] = list(client.process_images([photo]))
    expected = [d.reading.plate_number for d in answer.result.detections if d.HasField("reading")]
    assert result["plates"] == expected and any(expected)
